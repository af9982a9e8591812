"""Course tooling over nbgrader: build labs and the book, and grade cohorts."""

from .errors import GraderError

__all__ = ["GraderError"]
