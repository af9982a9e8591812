"""Submissions for the cohort tests: demo students plus every attack measured on nbgrader.

Each case is built from the lab's own notebooks (``grader.fixtures``), so it works for any lab
whose first two answers are separate cells. ``lost`` says which tests' points are lost against a
perfect submission; ``expected_score`` turns it into points from the lab's own structure.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader import sandbox
from grader.build import fixtures
from grader.build.cells import kind_of
from grader.cohort.labplan import LabPlan

SNOOP_MARK = "SNOOPED-THE-HIDDEN-TESTS"
# Only where the kernel stops a fork bomb (a pids control group): elsewhere it would stall the
# machine, so these cases are left out of the cohort and their tests skip.
FORK_BOMBS = ("forkbomb", "shellbomb")
FILL = "i = 0\nwhile True:\n    open(f'{folder}/fill{{i}}', 'wb').write(b'x' * 100_000_000)\n    i += 1"


@dataclass
class Case:
    name: str
    content: bytes
    status: str
    lost: str  # which tests' points are lost: "none", "all", "first", "second", "after_first"
    reason: str = ""  # a piece of the expected reason


def _cells(notebook, kind: str):
    return [i for i, c in enumerate(notebook.cells) if kind_of(c) == kind]


def _dump(notebook) -> bytes:
    return nbformat.writes(notebook).encode("utf-8")


def _append(notebook, index: int, code: str, before: bool = False):
    nb = copy.deepcopy(notebook)
    cell = nb.cells[index]
    cell.source = f"{code}\n{cell.source}" if before else f"{cell.source}\n{code}"
    return nb


def build_cases(course_dir: Path, lab_id: str) -> list[Case]:
    source = course_dir / "source" / lab_id / f"{lab_id}.ipynb"
    release = course_dir / "release" / lab_id / f"{lab_id}.ipynb"
    plan = LabPlan.from_source(lab_id, source)
    demo = fixtures.demo_students(release, source)
    perfect = demo["perfect"]
    answers = [i for i in _cells(perfect, "answer") if perfect.cells[i].cell_type == "code"]
    tests = _cells(perfect, "tests")
    first, second = answers[0], answers[1]
    first_id = perfect.cells[first].metadata["nbgrader"]["grade_id"]
    names = sorted(plan.answer_names[first_id])
    locked = next(
        i for i, c in enumerate(perfect.cells) if kind_of(c) == "locked" and c.cell_type == "code"
    )

    wrong = copy.deepcopy(perfect)
    for i in answers:
        written = sorted(plan.answer_names[wrong.cells[i].metadata["nbgrader"]["grade_id"]])
        wrong.cells[i].source = "\n".join(f"{n} = None" for n in written)

    nulls = "\n".join(f"{n} = None" for n in names)
    transformer = copy.deepcopy(perfect)
    transformer.cells[first].source = (
        f"{nulls}\n"
        "def _quiet(lines):\n"
        "    return ['pass\\n'] if 'check_' in ''.join(lines) else lines\n"
        "get_ipython().input_transformers_cleanup.append(_quiet)\n"
    )
    liar_code = (
        "class Liar(int):\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    __hash__ = int.__hash__\n" + "\n".join(f"{n} = Liar(5)" for n in names)
    )
    liar = copy.deepcopy(perfect)
    liar.cells[first].source = liar_code
    snoop_code = (
        "import pathlib\n"
        f"_secret = pathlib.Path({str(source)!r})\n"
        f"_db = pathlib.Path({str(course_dir / 'gradebook.db')!r})\n"
        "try:\n"
        f"    _secret.read_text(); print({SNOOP_MARK!r})\n"
        "except OSError as exc:\n"
        "    print('source blocked:', type(exc).__name__)\n"
        "try:\n"
        "    _db.open('ab').write(b'garbage'); print('GRADEBOOK-WRITTEN')\n"
        "except OSError as exc:\n"
        "    print('gradebook blocked:', type(exc).__name__)\n"
    )
    deleted = copy.deepcopy(perfect)
    del deleted.cells[tests[0]]
    lost = copy.deepcopy(perfect)
    lost.cells[first].metadata = {}
    duplicated = copy.deepcopy(perfect)
    for index in (tests[0], first):  # Jupyter gives a copied cell a new id
        twin = copy.deepcopy(duplicated.cells[index])
        twin["id"] = f"copy-of-{twin.get('id', index)}"
        duplicated.cells.insert(index, twin)
    sleepy = copy.deepcopy(perfect)
    for _ in range(12):  # each cell under the cell timeout, all of them far over the budget
        sleepy.cells.insert(first, nbformat.v4.new_code_cell("import time\ntime.sleep(9)"))
    deep = b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    handler = (
        "get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)\n"
        "import sys\nsys.excepthook = lambda *args: None"
    )
    edited = copy.deepcopy(perfect)
    edited.cells[tests[0]].source = "print('all checks pass')"
    edited.cells[locked].source += "\n# my note"
    return [
        Case("perfect", _dump(perfect), "graded", "none"),
        Case("blank", _dump(demo["blank"]), "graded", "all"),
        Case("partial", _dump(demo["partial"]), "graded", "after_first"),
        Case("wrong", _dump(wrong), "graded", "all"),
        Case("transformer", _dump(transformer), "flagged", "first", "interfere"),
        Case("liar", _dump(liar), "flagged", "first", "not a plain value"),
        Case("snoop", _dump(_append(perfect, first, snoop_code)), "graded", "none"),
        Case("deleted", _dump(deleted), "flagged", "none", "was deleted"),
        Case("lostmeta", _dump(lost), "flagged", "none", "lost its nbgrader metadata"),
        Case("duplicated", _dump(duplicated), "flagged", "none", "appears 2 times"),
        Case("edited", _dump(edited), "flagged", "none", "was edited"),
        Case("malformed", b'{"cells": [', "malformed", "all", "not a notebook"),
        Case("deep", deep, "malformed", "all", "nests its data too deeply"),
        Case("sleepy", _dump(sleepy), "timeout", "all", "time budget"),
        Case("handler", _dump(_append(perfect, first, handler)), "flagged", "none", "shows errors"),
        Case("empty", b"", "malformed", "all", "empty"),
        Case(
            "loop",
            _dump(_append(perfect, second, "while True:\n    pass")),
            "timeout",
            "after_first",
            "longer than",
        ),
        Case(
            "segfault",
            _dump(_append(perfect, second, "import ctypes\nctypes.string_at(0)")),
            "crashed",
            "after_first",
            "stopped",
        ),
        Case(
            "exit",
            _dump(_append(perfect, second, "import os\nos._exit(3)")),
            "crashed",
            "after_first",
            "stopped",
        ),
        Case(
            "membomb",
            _dump(_append(perfect, second, "hog = [0] * (10**10)", before=True)),
            "flagged",
            "second",
            "out of memory",
        ),
        Case(
            "hugeout",
            _dump(_append(perfect, first, "print('x' * 5_000_000)")),
            "flagged",
            "none",
            "output",
        ),
        Case(
            "fulltmp",
            _dump(_append(perfect, second, FILL.format(folder="/tmp"))),
            "flagged",
            "none",
            "ran out of space",
        ),
        Case(
            "fullwork",
            _dump(_append(perfect, second, FILL.format(folder="."))),
            "flagged",
            "none",
            "ran out of space",
        ),
        *(_fork_bombs(perfect, second) if sandbox.process_limit() == "cgroup" else []),
    ]


def _fork_bombs(perfect, second: int) -> list[Case]:
    python = "import os\nwhile True:\n    os.fork()"
    shell = (
        "import subprocess, time\n"
        "subprocess.run('bomb() { bomb | bomb & }; bomb', shell=True, executable='/bin/bash')\n"
        "time.sleep(30)"
    )
    return [
        Case(name, _dump(_append(perfect, second, code)), "crashed", "after_first", "fork bomb")
        for name, code in zip(FORK_BOMBS, (python, shell), strict=True)
    ]


def expected_score(plan: LabPlan, lost: str) -> float:
    """The score of a case from the lab's own structure: which tests read the first or second
    answer, and which come before the second answer (what runs before a crash there)."""
    points = {t: float(plan.cell(t).metadata["nbgrader"]["points"]) for t in plan.test_needs}
    answers = sorted(plan.answer_names, key=plan.by_id.get)

    def reading(answer: str) -> set[str]:
        names = plan.answer_names[answer]
        return {t for t, needs in plan.test_needs.items() if names & set(needs)}

    total = sum(points.values())
    before_second = {t for t in points if plan.by_id[t] < plan.by_id[answers[1]]}
    return {
        "none": total,
        "all": 0.0,
        "first": total - sum(points[t] for t in reading(answers[0])),
        "second": total - sum(points[t] for t in reading(answers[1])),
        "after_first": sum(points[t] for t in before_second),
    }[lost]
