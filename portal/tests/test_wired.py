"""Wired, not only written: every email kind in the registry is queued by production code that production code
reaches, and no production function is reached only from tests.

Read from the source (ast). A function is reached when it is a method (the framework calls those: views, admin,
forms, models), carries a decorator (a task, a view decorator, an admin action, a receiver, an email kind), or
is named at module level or inside a reached function, in production code. Tests, migrations and test support
are not production code, so a function that only a test calls is reported."""

import ast
import re
from pathlib import Path

from portal.outbox.kinds import kind_names

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "programs", "articles", "patients")
QUEUEING = {"queue_email", "BulkEmail"}


def production_trees() -> dict[str, ast.Module]:
    trees = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative:
                continue
            trees[relative] = ast.parse(path.read_text())
    return trees


def _referenced(node) -> set[str]:
    """Names used in `node`, and the last part of dotted paths in strings ("portal.security.axes_username")."""
    names = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name):
            names.add(inner.id)
        elif isinstance(inner, ast.Attribute):
            names.add(inner.attr)
        elif isinstance(inner, ast.Constant) and isinstance(inner.value, str) and "." in inner.value:
            names.add(inner.value.rsplit(".", 1)[-1])
    return names


class Program:
    """Functions, what reaches them, and where emails are queued."""

    def __init__(self, trees: dict[str, ast.Module]):
        self.functions: dict[str, list[tuple[str, ast.FunctionDef]]] = {}
        self.reached: set[str] = set()
        self.constants: dict[str, set[str]] = {}
        pending: set[str] = set()
        for where, tree in trees.items():
            for node in tree.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.functions.setdefault(node.name, []).append((where, node))
                    if node.decorator_list:
                        pending.add(node.name)
                    pending |= _referenced_outside_body(node)
                elif isinstance(node, ast.ClassDef):
                    pending |= _referenced(node)  # methods run when the framework calls them
                else:
                    pending |= _referenced(node)
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                    for target in node.targets:
                        if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                            self.constants.setdefault(target.id, set()).add(node.value.value)
        while pending:
            name = pending.pop()
            if name in self.reached:
                continue
            self.reached.add(name)
            for _where, function in self.functions.get(name, []):
                pending |= _referenced(function)

    def unreached(self) -> list[str]:
        return sorted(
            f"{where}: {name}()"
            for name, defs in self.functions.items()
            if name not in self.reached
            for where, _node in defs
        )

    def kinds_queued(self, trees) -> set[str]:
        """Kinds queued at a call site that is reached: at module level, in a method, or in a reached function."""
        kinds = set()
        for tree in trees.values():
            for node in tree.body:
                reached = not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name in self.reached
                if not reached:
                    continue
                for call in ast.walk(node):
                    if isinstance(call, ast.Call) and _called_name(call) in QUEUEING:
                        kinds |= self._kind_of(call)
        return kinds

    def _kind_of(self, call: ast.Call) -> set[str]:
        for keyword in call.keywords:
            if keyword.arg == "kind":
                value = keyword.value
                if isinstance(value, ast.Constant):
                    return {value.value}
                name = value.id if isinstance(value, ast.Name) else getattr(value, "attr", "")
                return self.constants.get(name, set())
        return set()


def _called_name(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")


def _referenced_outside_body(function) -> set[str]:
    """Names in a function's decorators and defaults: evaluated when the module loads."""
    names = set()
    for node in [*function.decorator_list, *function.args.defaults, *function.args.kw_defaults]:
        if node is not None:
            names |= _referenced(node)
    return names


def test_every_email_kind_is_queued_by_production_code():
    trees = production_trees()
    program = Program(trees)
    assert sorted(set(kind_names()) - program.kinds_queued(trees)) == []


def test_no_production_function_is_reached_only_from_tests():
    assert Program(production_trees()).unreached() == []


def test_the_checker_finds_a_function_nothing_calls_and_a_kind_nothing_queues():
    trees = {
        "x.py": ast.parse(
            'KIND = "welcome"\n'
            "def only_tests_call_me():\n    queue_email(kind=KIND)\n"
            "@task\ndef beat():\n    queue_email(kind='reminder')\n"
        )
    }
    program = Program(trees)
    assert program.unreached() == ["x.py: only_tests_call_me()"]
    assert program.kinds_queued(trees) == {"reminder"}


def _reads(trees: dict[str, ast.Module], templates: str) -> set[str]:
    """Names production code reads: attributes, keyword arguments (`filter(reminders_enabled=False)`, their
    lookups too), strings, and `.name` in templates. Field declarations and admin field lists are not reads."""
    names = set()
    for where, tree in trees.items():
        if where.endswith("admin.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.keyword) and node.arg:
                names.update(node.arg.split("__"))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.update(node.value.split("__"))
    names.update(re.findall(r"\.(\w+)", templates))
    return names


def test_every_field_of_the_rules_and_settings_models_is_read_by_production_code():
    """A rule or setting the admin edits but nothing reads looks finished and does nothing."""
    from django.apps import apps

    templates = "".join(
        path.read_text() for path in (ROOT / "templates").rglob("*.*") if path.suffix in {".html", ".txt"}
    )
    reads = _reads(production_trees(), templates)
    unread = []
    for label in ("patients.FollowUpRules", "portal.Clinic"):
        model = apps.get_model(label)
        for field in model._meta.concrete_fields:
            if not field.primary_key and not field.is_relation and field.name not in reads:
                unread.append(f"{label}.{field.name}")
    assert unread == []
