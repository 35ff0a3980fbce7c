"""Exceptions for bad definitions and bad input: every error a user can cause.

Every one derives from `BeliefscopeError`, a `ValueError`, so the command line catches
that one class and prints one line. Every message names what is wrong (the process, the
parameter, the row and its sum, the file and key) and how to fix it, because users meet
these at the command line.
"""

__all__ = ["BeliefscopeError", "InputError", "ProcessError", "ParameterError", "SpecError"]


class BeliefscopeError(ValueError):
    """Base of every error a user can cause (bad definitions, files, arguments or data)."""


class InputError(BeliefscopeError):
    """An argument or a data file is unusable (a shape, a size, a count, a path)."""


class ProcessError(BeliefscopeError):
    """A process definition is invalid (shapes, signs, normalisation, word probabilities)."""


class ParameterError(ProcessError):
    """A parameter is unknown, malformed or outside its declared domain."""


class SpecError(ProcessError):
    """A user specification file (process or system) is missing, unreadable or malformed."""
