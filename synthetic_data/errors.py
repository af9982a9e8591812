"""The one error type this package raises for bad input."""


class SyntheticDataError(ValueError):
    """Bad input: the message says what is wrong and what to do."""
