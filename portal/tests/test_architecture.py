"""The app graph of docs/architecture.md, read from the code: imports (module-level or not) and the string
model references of relations. Apps depend one way only:

    patients ─> articles ─┐
        │                 ├─> programs ─> portal
        └─────────────────┘

and no module imports another app inside a function (a cycle hidden from the import graph). Settings and URLs name
the apps above portal only as strings ("programs.urls", task names), which Django resolves at start-up."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "programs", "articles", "patients")
ALLOWED = {
    "portal": set(),
    "programs": {"portal"},
    "articles": {"programs", "portal"},
    "patients": {"articles", "programs", "portal"},  # Today lists the programme's reading
}
MODEL_REFERENCE = re.compile(r"""(?:ForeignKey|OneToOneField|ManyToManyField)\(\s*["'](\w+)\.\w+["']""")


def production_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative:
                continue
            yield app, relative, path.read_text()


def imported_apps(tree: ast.Module):
    """(app, line, inside a function) for every import of one of the apps."""
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    nested = {id(inner) for function in functions for inner in ast.walk(function) if inner is not function}
    nested |= {id(function) for function in functions}
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            top = name.split(".")[0]
            if top in APPS:
                yield top, node.lineno, id(node) in nested


def edges():
    for app, relative, source in production_modules():
        for target, line, in_function in imported_apps(ast.parse(source)):
            if target != app:
                yield app, target, f"{relative}:{line}", "import inside a function" if in_function else "import"
        for match in MODEL_REFERENCE.finditer(source):
            target = match.group(1)
            if target in APPS and target != app:
                line = source[: match.start()].count("\n") + 1
                yield app, target, f"{relative}:{line}", "relation"


def test_apps_depend_one_way_in_imports_and_in_relations():
    wrong = [
        f"{where}: {app} -> {target} ({kind})" for app, target, where, kind in edges() if target not in ALLOWED[app]
    ]
    assert wrong == []


def test_no_app_imports_another_inside_a_function():
    hidden = [f"{where}: {app} -> {target}" for app, target, where, kind in edges() if kind.endswith("function")]
    assert hidden == []


def test_the_checker_sees_what_it_must_forbid():
    """A relation and a function-level import the other way are both found (the test can fail)."""
    source = 'def f():\n    from patients.services import x\nclass P:\n    p = models.ForeignKey("patients.Patient")\n'
    assert [(app, inner) for app, _line, inner in imported_apps(ast.parse(source))] == [("patients", True)]
    assert MODEL_REFERENCE.findall(source) == ["patients"]


# The one page cache: no other production module keeps copies in the cache (portal.cache is the backend itself;
# the password-reset limiter keeps a counter, not a copy of anything; the handout store keeps a render lock and a
# "render queued" flag, and the PDFs themselves in a storage).
CACHE_USERS = {
    "portal/pagecache.py",
    "portal/cache.py",
    "portal/accounts.py",
    "portal/settings.py",
    "programs/handouts_store.py",
}


def test_only_the_page_cache_keeps_copies_in_the_cache():
    users = {
        path for _app, path, source in production_modules() if "django.core.cache" in source and "conftest" not in path
    }
    assert users <= CACHE_USERS, "cache pages and values through portal.pagecache (one invalidation rule)"
    assert "portal/pagecache.py" in users  # the checker reads the modules it must
