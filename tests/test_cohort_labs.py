"""``grader autograde`` on every lab: the demo students score as plain nbgrader scores them.

Labs whose answers are functions are graded by calling the learner's functions in their own
kernel, with arguments and results carried as data; attacks through a function answer, which
would reach the hidden tests and reference answers if it ran beside them, earn nothing.
"""

from __future__ import annotations

import copy
import json

import nbformat
import pytest
from conftest import gradebook_scores

from grader import cohort as cohort_mod
from grader.build import fixtures
from grader.build.cells import kind_of, names_read
from grader.build.labsource import find_labs
from grader.cohort.autograde import autograde
from grader.cohort.labplan import LabPlan
from grader.paths import LABS

pytestmark = pytest.mark.slow
LAB_IDS = [p.stem for p in find_labs(LABS)]


@pytest.fixture(scope="module")
def cohort(built, tmp_path_factory) -> cohort_mod.Cohort:
    root = tmp_path_factory.mktemp("cohort-labs") / "course"
    return cohort_mod.init(root, built.paths.root, echo=lambda _: None)


def _grade(cohort, lab_id: str, students: dict) -> tuple[dict, dict]:
    for student, notebook in students.items():
        folder = cohort.submitted_dir(student, lab_id)
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / f"{lab_id}.ipynb")
    outcome = autograde(cohort, lab_id, force=True, echo=lambda _: None, progress=False)
    return outcome.statuses, gradebook_scores(cohort.db_url, lab_id, students)


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_demo_students_score_as_with_plain_nbgrader(cohort, plain_demo_scores, lab_id):
    students = fixtures.demo_students(
        cohort.release_notebook(lab_id), cohort.source_notebook(lab_id)
    )
    statuses, ours = _grade(cohort, lab_id, students)

    for student in students:
        assert statuses[student]["status"] == "graded", statuses[student]
    assert ours["blank"]["auto"] == 0
    assert ours["perfect"]["auto"] == ours["perfect"]["auto_max"] > 0
    assert 0 < ours["partial"]["auto"] < ours["partial"]["auto_max"]
    plain = plain_demo_scores(lab_id)
    for student in students:
        assert ours[student]["cells"] == plain[student]["cells"], student


def _function_answer(plans: dict[str, LabPlan]) -> tuple[str, str, str]:
    """(lab, function, its answer cell): a function answer no other cell of the lab uses, so
    replacing it changes only the tests that call it."""
    for lab_id, plan in plans.items():
        for name in sorted(plan.functions):
            users = {
                cell.metadata.get("nbgrader", {}).get("grade_id")
                for cell in plan.source.cells
                if cell.cell_type == "code"
                and kind_of(cell) != "tests"
                and name in names_read(cell.source)
            }
            owner = next(g for g, names in plan.answer_names.items() if name in names)
            if users <= {owner}:
                return lab_id, name, owner
    pytest.skip("no lab has a function answer that only its tests use")


LIAR = """
class _Liar(str):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = str.__hash__


def {name}(*args, **kwargs):
    return _Liar("0" * 64)
"""
PATCHER = """
def {name}(*args, **kwargs):
    import sys

    def _anything(*a, **k):
        return None

    for _module in (sys.modules["__main__"], sys.modules["lab_checks"]):
        for _check in ("check_equal", "check_true", "check_type", "check_columns"):
            setattr(_module, _check, _anything)
    return None
"""
FACTORY = """
_original = {name}


def _make(inner):
    return lambda *args, **kwargs: inner(*args, **kwargs)


{name} = _make(_original)
"""
# Looks up the call stack for the tests' reference functions (named ``_ref_...`` or the like)
# and answers with theirs: beside the tests, this scored 10 of 15 on a blank notebook.
STACKWALKER = """
def {name}(*args, **kwargs):
    import sys

    frame = sys._getframe(1)
    while frame is not None:
        for key, value in list(frame.f_globals.items()):
            if key.startswith("_ref") and callable(value):
                try:
                    return value(*args, **kwargs)
                except Exception:
                    pass
        frame = frame.f_back
    return None
"""
# Swallows every later error in the kernel it runs in (beside the tests, this made failed
# checks count as passed), and prints every notebook it can find (beside the tests, this
# carried 91 of 92 hidden-test lines into the feedback).
SWALLOWER = """
def {name}(*args, **kwargs):
    import glob

    get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)
    for path in glob.glob("/**/*.ipynb", recursive=True) + glob.glob("*/*.ipynb"):
        try:
            print(open(path).read())
        except OSError:
            pass
    return None
"""


def test_attacks_through_a_function_answer(cohort):
    plans = {
        lab_id: LabPlan.from_source(lab_id, cohort.source_notebook(lab_id)) for lab_id in LAB_IDS
    }
    lab_id, name, owner = _function_answer(plans)
    plan = plans[lab_id]
    calling = [t for t in plan.test_needs if name in plan.calls(t)]
    demo = fixtures.demo_students(cohort.release_notebook(lab_id), cohort.source_notebook(lab_id))
    perfect = demo["perfect"]
    index = next(
        i
        for i, c in enumerate(perfect.cells)
        if c.metadata.get("nbgrader", {}).get("grade_id") == owner
    )

    def attack(code: str, base=perfect):
        notebook = copy.deepcopy(base)
        notebook.cells[index].source += "\n\n" + code.format(name=name)
        return notebook

    students = {
        "fnperfect": perfect,
        "fnliar": attack(LIAR),
        "fnpatcher": attack(PATCHER),
        "fnfactory": attack(FACTORY),
        "fnstack": attack(STACKWALKER, demo["blank"]),
        "fnswallow": attack(SWALLOWER, demo["blank"]),
    }
    statuses, scores = _grade(cohort, lab_id, students)
    full = scores["fnperfect"]["auto"]
    assert full == scores["fnperfect"]["auto_max"]

    # Its return value claims to equal everything: it is not plain data, so it earns nothing.
    assert all(scores["fnliar"]["cells"][t] == 0 for t in calling)
    # It switches the checks off where it runs: in the learner's own kernel, not the tests'.
    assert all(scores["fnpatcher"]["cells"][t] == 0 for t in calling)
    # Built by a factory, it is still the learner's function, called where it lives.
    assert statuses["fnfactory"]["status"] == "graded", statuses["fnfactory"]
    assert scores["fnfactory"]["auto"] == full
    # No reference function, no test and no exception machinery of the tests' kernel is
    # within reach of the learner's function: from a blank notebook, these earn nothing.
    for attacker in ("fnstack", "fnswallow"):
        assert scores[attacker]["auto"] == 0, (attacker, scores[attacker], statuses[attacker])
    graded = nbformat.read(cohort.autograded_dir("fnswallow", lab_id) / f"{lab_id}.ipynb", 4)
    outputs = json.dumps([cell.get("outputs", []) for cell in graded.cells], ensure_ascii=False)
    assert not [line for line in plan.hidden_lines if json.dumps(line)[1:-1] in outputs]
