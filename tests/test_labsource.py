"""Compiling a lab's MyST source: good sources compile, bad ones name the cell at fault."""

from __future__ import annotations

import pytest

from grader.build.labsource import find_labs, read_lab
from grader.errors import GraderError
from grader.paths import LABS

HEADER = """---
kernelspec: {name: python3, display_name: Python 3, language: python}
lab: {id: lab99-test, title: Test, country: botswana, datasets: [census]}
---

# Test lab
"""

SOLUTION = """
```{code-cell} ipython3
:role: solution
:grade_id: q1

### BEGIN SOLUTION
answer = 42
### END SOLUTION
```
"""

TESTS = """
```{code-cell} ipython3
:role: tests
:grade_id: q1_tests
:points: 1

assert answer == 42
```
"""


def _lab(tmp_path, body: str):
    folder = tmp_path / "lab99-test"
    folder.mkdir()
    path = folder / "lab99-test.md"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_every_lab_in_the_repository_compiles():
    labs = find_labs(LABS)
    assert labs
    for path in labs:
        lab = read_lab(path)
        roles = [c.metadata["nbgrader"] for c in lab.notebook.cells]
        assert any(r["grade"] and not r["solution"] for r in roles), f"{path} has no tests"


def test_roles_become_nbgrader_metadata(tmp_path):
    lab = read_lab(_lab(tmp_path, SOLUTION + TESTS))
    meta = [c.metadata["nbgrader"] for c in lab.notebook.cells]
    assert meta[0]["locked"]
    assert meta[0]["grade_id"] == "lab99-test-locked-001"
    assert meta[1] == {
        "solution": True,
        "grade": False,
        "locked": False,
        "grade_id": "q1",
        "schema_version": 3,
    }
    assert meta[2]["grade"]
    assert meta[2]["locked"]
    assert meta[2]["points"] == 1
    assert lab.notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (SOLUTION.replace(":role: solution", ":role: answer"), "unknown role 'answer'"),
        (SOLUTION.replace(":grade_id: q1\n", ""), "needs a grade_id"),
        (SOLUTION.replace("### END SOLUTION\n", ""), "SOLUTION region is never closed"),
        (
            SOLUTION.replace("### BEGIN SOLUTION\n", "").replace("### END SOLUTION\n", ""),
            "needs '### BEGIN SOLUTION'",
        ),
        (TESTS.replace(":points: 1\n", ""), "needs positive points"),
        (SOLUTION + SOLUTION, "already used by cell 2"),
    ],
)
def test_bad_cells_are_named(tmp_path, body, message):
    with pytest.raises(GraderError, match=message) as info:
        read_lab(_lab(tmp_path, body))
    assert "lab99-test.md, cell" in str(info.value)


def test_missing_lab_block_says_what_to_do(tmp_path):
    path = _lab(tmp_path, "")
    path.write_text("# no front matter\n", encoding="utf-8")
    with pytest.raises(GraderError, match="no 'lab:' block") as info:
        read_lab(path)
    assert info.value.hint


def test_the_template_compiles():
    lab = read_lab(LABS / "_template" / "lab00-template.md")
    assert lab.id == "lab00-template"
    assert lab.datasets == ["census"]
