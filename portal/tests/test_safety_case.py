"""The safety case (docs/clinical-safety.md) and the threat model (docs/security.md) name, for each hazard or
threat, the tests that prove its control. Every one of them must exist, so a control cannot lose its proof by
a rename or a deletion."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "clinical-safety.md"
SECURITY = ROOT / "docs" / "security.md"
TEST_ID = re.compile(r"`([\w/]+\.py)::([\w:]+)`")


def defined_tests(path: Path) -> set[str]:
    """test ids in a file: `test_x` and `TestClass::test_x`."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            found.add(node.name)
        if isinstance(node, ast.ClassDef):
            found |= {f"{node.name}::{n.name}" for n in node.body if isinstance(n, ast.FunctionDef)}
    return found


def hazard_rows() -> list[str]:
    return [line for line in DOC.read_text().splitlines() if re.match(r"\| H\d+ \|", line)]


def test_every_hazard_names_at_least_one_test():
    rows = hazard_rows()
    assert len(rows) >= 15
    assert [row for row in rows if not TEST_ID.search(row)] == []


def test_every_security_control_names_a_test():
    rows = [line for line in SECURITY.read_text().splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) >= 12
    assert [row for row in rows[1:] if not TEST_ID.search(row)] == []


@pytest.mark.parametrize("doc", [DOC, SECURITY], ids=["clinical-safety", "security"])
def test_every_test_the_documents_name_exists(doc):
    missing = []
    for path, name in TEST_ID.findall(doc.read_text()):
        file = ROOT / path
        if not file.exists() or name not in defined_tests(file):
            missing.append(f"{path}::{name}")
    assert missing == []
