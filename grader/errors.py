"""The error type for problems a person can fix, with a message and what to do."""

from __future__ import annotations


class GraderError(Exception):
    """Something is wrong with the input or the environment; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  what to do: {self.hint}"
