"""What grading needs to know about a lab, read from its source notebook (``LabPlan``), with
the reading of cells of ``grader.build.cells``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from ..build.cells import (
    HIDDEN,
    cell_meta,
    defined_functions,
    is_code_answer,
    kind_of,
    names_read,
    names_written,
    visible_part,
)

EXTRA = "grader_extra"  # metadata key of cells the grader adds (removed before scoring)


@dataclass
class LabPlan:
    """What grading needs to know about a lab, from its source notebook."""

    lab_id: str
    source: NotebookNode
    by_id: dict[str, int]  # grade_id → index in the source
    answer_names: dict[str, set[str]]  # answer grade_id → names it defines
    test_needs: dict[str, list[str]]  # test grade_id → answer names it reads
    checksums: dict[str, str] = field(default_factory=dict)  # of the student version's cells
    written_stub: str = "YOUR ANSWER HERE"
    functions: set[str] = field(default_factory=set)  # answers that are functions or classes

    def calls(self, test_id: str) -> list[str]:
        """The learner's functions a test calls (empty: it checks plain values only)."""
        return [n for n in self.test_needs.get(test_id, []) if n in self.functions]

    @cached_property
    def hidden_lines(self) -> set[str]:
        """Lines of the hidden tests, to keep out of anything a learner sees."""
        lines, public = set(), set()
        for cell in self.source.cells:
            if kind_of(cell) == "tests":
                for region in HIDDEN.findall(cell.source):
                    lines |= {ln.strip() for ln in region.splitlines() if len(ln.strip()) >= 12}
            if not is_code_answer(cell):
                public |= {ln.strip() for ln in visible_part(cell.source).splitlines()}
        return {ln for ln in lines - public if not ln.startswith("###")}

    @classmethod
    def from_source(cls, lab_id: str, path: Path, release: Path | None = None) -> LabPlan:
        source = nbformat.read(path, as_version=4)
        by_id, answers, needs = {}, {}, {}
        functions = set()
        for index, cell in enumerate(source.cells):
            grade_id = cell_meta(cell).get("grade_id")
            if grade_id:
                by_id[grade_id] = index
            if is_code_answer(cell):
                answers[grade_id] = names_written(cell.source)
                functions |= defined_functions(cell.source)
        defined = set().union(*answers.values()) if answers else set()
        for cell in source.cells:
            if kind_of(cell) == "tests":
                needs[cell_meta(cell)["grade_id"]] = sorted(names_read(cell.source) & defined)
        checksums = {}
        if release is not None:
            # nbgrader compares an answer with the student version's checksum to tell an
            # untouched answer (0 points, no manual grading needed) from a real one.
            for cell in nbformat.read(release, as_version=4).cells:
                meta = cell_meta(cell)
                if meta.get("grade_id") and meta.get("checksum"):
                    checksums[meta["grade_id"]] = meta["checksum"]
        return cls(
            lab_id,
            source,
            by_id,
            answers,
            needs,
            checksums,
            functions=functions,
        )

    def cell(self, grade_id: str) -> NotebookNode:
        return self.source.cells[self.by_id[grade_id]]
