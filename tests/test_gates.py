"""The build's gates catch a wrong solution, free points and leaked answers, naming the lab."""

from __future__ import annotations

import pytest

from grader import pipeline
from grader.errors import GraderError

pytestmark = pytest.mark.slow

LAB = """---
kernelspec: {{name: python3, display_name: Python 3, language: python}}
lab: {{id: {lab_id}, title: Test, country: botswana, datasets: [census]}}
---

# Test lab

```{{code-cell}} ipython3
import pandas as pd
census = pd.read_csv("data/census.csv")
```

```{{code-cell}} ipython3
:role: solution
:grade_id: q1

### BEGIN SOLUTION
total = int(census["population"].sum())
### END SOLUTION
```

```{{code-cell}} ipython3
:role: tests
:grade_id: q1_tests
:points: 1

{tests}
```
"""

GOOD_TESTS = """assert isinstance(total, int)
### BEGIN HIDDEN TESTS
assert total == int(census["population"].sum())
### END HIDDEN TESTS"""


def _build(tmp_path, tests: str):
    labs = tmp_path / "labs"
    lab_id = "lab99-test"
    (labs / lab_id).mkdir(parents=True)
    (labs / lab_id / f"{lab_id}.md").write_text(
        LAB.format(lab_id=lab_id, tests=tests), encoding="utf-8"
    )
    return pipeline.build(
        build_dir=tmp_path / "build", labs_dir=labs, with_book=False, echo=lambda _: None
    )


def test_a_sound_lab_passes(tmp_path):
    result = _build(tmp_path, GOOD_TESTS)
    assert result.labs == ["lab99-test"]
    assert result.paths.release_zip("lab99-test").exists()


@pytest.mark.parametrize(
    ("tests", "message"),
    [
        (GOOD_TESTS.replace("assert total ==", "assert total + 1 =="), "solution fails 1 test"),
        ("assert len(census) > 0", "pass on the untouched student version"),
        (GOOD_TESTS.replace("BEGIN HIDDEN TESTS", "BEGIN HIDDEN TEST"), "not an nbgrader delim"),
        (GOOD_TESTS.replace("### END HIDDEN TESTS", ""), "never closed"),
    ],
)
def test_gates_name_the_lab_and_the_problem(tmp_path, tests, message):
    with pytest.raises(GraderError, match=message) as info:
        _build(tmp_path, tests)
    assert "lab99-test" in str(info.value)
    assert not (tmp_path / "build" / "zips" / "lab99-test.zip").exists()


def test_a_secret_line_in_the_release_is_caught(tmp_path):
    import nbformat

    from grader.build import gates
    from grader.build.labsource import read_lab

    result = _build(tmp_path, GOOD_TESTS)
    lab = read_lab(tmp_path / "labs" / "lab99-test" / "lab99-test.md")
    source = result.paths.course / "source" / lab.id / lab.notebook_name
    release = result.paths.course / "release" / lab.id / lab.notebook_name
    leaked = nbformat.read(release, as_version=4)
    leaked.cells.append(nbformat.v4.new_markdown_cell('total = int(census["population"].sum())'))
    nbformat.write(leaked, release)
    with pytest.raises(GraderError, match="leaks answers"):
        gates.check_no_leaks(lab, source, release.parent)


def test_hidden_tests_may_not_compute_from_names_the_learner_can_change():
    import nbformat

    from grader.build import gates

    def cell(source, **nbgrader):
        made = nbformat.v4.new_code_cell(source)
        if nbgrader:
            made.metadata["nbgrader"] = nbgrader
        return made

    def notebook(hidden: str):
        return nbformat.v4.new_notebook(
            cells=[
                cell("census = load()"),
                cell("census['x'] = 1\ntotal = len(census)", solution=True, grade_id="q1"),
                cell(
                    f"### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS",
                    grade=True,
                    grade_id="q1_tests",
                    points=1,
                ),
            ]
        )

    # An expected value computed from the learner's `census` (which they could empty): caught.
    assert gates.changeable_names(notebook("check_equal(total, len(census), 'total')")) == {
        "q1_tests": ["census"]
    }
    # Checking the learner's `census` itself, or computing from a fresh copy: fine.
    assert not gates.changeable_names(notebook("check_equal(census['x'].sum(), len(_c), 'x')"))
    assert not gates.changeable_names(notebook("_c = load()\ncheck_equal(total, len(_c), 't')"))


def test_only_a_complete_build_of_this_checkout_can_be_reused(tmp_path):
    """The tests reuse the main job's build only when its record matches the sources now."""
    from grader.build import stamp

    result = _build(tmp_path, GOOD_TESTS)  # labs from elsewhere: not this checkout's build
    assert stamp.current(result.paths, result.seed) is None
    stamp.write(result.paths, seed=result.seed, labs=result.labs, book=False, pdf=False)
    assert stamp.current(result.paths, result.seed)["labs"] == ["lab99-test"]
    assert stamp.current(result.paths, result.seed + 1) is None
    record = result.paths.root / stamp.NAME
    record.write_text(record.read_text().replace('"fingerprint": "', '"fingerprint": "0'))
    assert stamp.current(result.paths, result.seed) is None
    stamp.clear(result.paths)
    assert not record.exists()


def test_the_fingerprint_follows_every_source_byte(tmp_path):
    from grader.build import stamp

    (tmp_path / "labs" / "lab99").mkdir(parents=True)
    source = tmp_path / "labs" / "lab99" / "lab99.md"
    source.write_text("# A lab\n", encoding="utf-8")
    before = stamp.fingerprint(tmp_path)
    (tmp_path / "labs" / "__pycache__").mkdir()
    (tmp_path / "labs" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert stamp.fingerprint(tmp_path) == before  # caches are not sources
    source.write_text("# A lab.\n", encoding="utf-8")
    assert stamp.fingerprint(tmp_path) != before
