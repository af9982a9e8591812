"""A finding: one problem in an agreement or a release, said in plain language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """``path`` is the dotted place in the document (``retention.deletion_date``), or
    ``(document)`` for the file as a whole; ``severity`` is ``error`` or ``warning``."""

    path: str
    problem: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.problem}"


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)
