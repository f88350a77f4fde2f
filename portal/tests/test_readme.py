"""The README is the front door: every environment variable the settings read is listed in it, and its claims
about behaviour point at the tests that prove them (`path/to/test_file.py::test_name`, as docs/security.md does).
Every pointer must name a test that exists, so a claim cannot lose its proof by a rename or a deletion."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
# `path/to/test_file.py::test_name`, `…::TestClass::test_name`, `…::test_name[param]`
POINTER = re.compile(r"`([\w./-]+\.py)::([\w:]+)(?:\[[^`]*\])?`")


def test_every_environment_variable_the_settings_read_is_in_the_readme():
    settings_source = (ROOT / "portal" / "settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_][A-Z0-9_]*)"', settings_source))
    readme = README.read_text()
    assert len(names) > 30
    assert sorted(name for name in names if f"`{name}`" not in readme) == []


# --- the pointers to tests ------------------------------------------------------------------------------------


def defined_tests(path: Path) -> set[str]:
    """Test ids a file defines: `test_x` (sync or async) and `TestClass::test_x`."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, functions) and node.name.startswith("test_"):
            found.add(node.name)
        if isinstance(node, ast.ClassDef):
            found |= {f"{node.name}::{n.name}" for n in node.body if isinstance(n, functions)}
    return found


def pointers(text: str) -> list[tuple[str, str]]:
    return POINTER.findall(text)


def missing_pointers(text: str, root: Path = ROOT) -> list[str]:
    """Every pointer in `text` whose file does not exist under `root` or does not define the test."""
    missing = []
    for path, name in pointers(text):
        file = root / path
        if not file.is_file() or name not in defined_tests(file):
            missing.append(f"{path}::{name}")
    return missing


def section(text: str, heading: str) -> str:
    """The text under `heading` (a whole line, e.g. "## Emails") up to the next heading of any level."""
    lines = text.splitlines()
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if re.match(r"#+ ", lines[i])), len(lines))
    return "\n".join(lines[start:end])


def table_rows(text: str) -> list[str]:
    """The body rows of the first Markdown table in `text` (no header, no separator)."""
    rows, in_table = [], False
    for line in text.splitlines():
        if line.startswith("|"):
            in_table = True
            rows.append(line)
        elif in_table:
            break
    return [row for row in rows[1:] if not re.fullmatch(r"\|(-+\|)+", row)]


def bullets(text: str) -> list[str]:
    """Each top-level bullet of `text`, with its indented continuation lines joined to it."""
    items: list[str] = []
    for line in text.splitlines():
        if line.startswith("- "):
            items.append(line)
        elif items and line.startswith("  ") and items[-1] is not None:
            items[-1] += " " + line.strip()
        elif items and items[-1] is not None:
            items.append(None)  # the list ended
    return [item for item in items if item is not None]


def without_pointers(items: list[str]) -> list[str]:
    return [item[:100] for item in items if not POINTER.search(item)]


def readme() -> str:
    return README.read_text()


def test_every_test_the_readme_names_exists():
    assert len(pointers(readme())) > 100
    assert missing_pointers(readme()) == []


USER_TABLE = "# Clinic portal"
RED_FLAGS = "## Red flags and clinical safety"
KINDS = "### The kinds, and when each is sent"
EMAILS = "## Emails"


@pytest.mark.parametrize(
    ("heading", "at_least"),
    [(USER_TABLE, 6), (RED_FLAGS, 3), (EMAILS, 4), (KINDS, 9)],
    ids=["who", "red-flag-levels", "email-outcomes", "email-kinds"],
)
def test_every_row_of_the_behaviour_tables_points_at_a_test(heading, at_least):
    rows = table_rows(section(readme(), heading))
    assert len(rows) >= at_least
    assert without_pointers(rows) == []


def test_every_red_flag_bullet_points_at_a_test():
    items = bullets(section(readme(), RED_FLAGS))
    assert len(items) >= 4  # saved first, one alert, the routine stops, who is told
    assert without_pointers(items) == []


# --- the checker can fail ---------------------------------------------------------------------------------------


def test_the_checker_reports_a_made_up_test_and_a_made_up_file(tmp_path):
    tests = tmp_path / "app" / "tests"
    tests.mkdir(parents=True)
    (tests / "test_x.py").write_text(
        "def test_real():\n    pass\n\n\nasync def test_async():\n    pass\n\n\n"
        "class TestGroup:\n    def test_in_a_class(self):\n        pass\n"
    )
    text = (
        "Real (`app/tests/test_x.py::test_real`, `app/tests/test_x.py::test_real[a-1]`,"
        " `app/tests/test_x.py::test_async`, `app/tests/test_x.py::TestGroup::test_in_a_class`)."
        " Made up (`app/tests/test_x.py::test_made_up`, `app/tests/test_nowhere.py::test_real`,"
        " `app/tests/test_x.py::test_in_a_class`)."
    )

    assert len(pointers(text)) == 7
    assert missing_pointers(text, root=tmp_path) == [
        "app/tests/test_x.py::test_made_up",
        "app/tests/test_nowhere.py::test_real",
        "app/tests/test_x.py::test_in_a_class",
    ]
    assert missing_pointers(
        "`portal/tests/test_readme.py::test_every_test_the_readme_names_exists`"
        " `portal/tests/test_readme.py::test_that_nobody_wrote`"
    ) == ["portal/tests/test_readme.py::test_that_nobody_wrote"]


def test_the_checker_reports_a_row_and_a_bullet_without_a_pointer():
    text = (
        "## Claims\n\n"
        "| claim | proven by |\n|---|---|\n"
        "| proven | `a/tests/test_a.py::test_a` |\n"
        "| unproven | |\n\n"
        "- **Proven.** Wrapped onto\n  a second line (`a/tests/test_a.py::test_a`).\n"
        "- **Unproven.** Nothing\n  points here.\n\n"
        "## Next\n\n- **Elsewhere.** Not in the section.\n"
    )
    claims = section(text, "## Claims")

    assert without_pointers(table_rows(claims)) == ["| unproven | |"]
    assert without_pointers(bullets(claims)) == ["- **Unproven.** Nothing points here."]
