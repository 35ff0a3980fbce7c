"""Exceptions raised for bad process definitions and bad input.

Every message names what is wrong (the process, the parameter, the row and its sum,
the file and key) and how to fix it, because users meet these at the command line.
"""

__all__ = ["ProcessError", "ParameterError", "SpecError"]


class ProcessError(ValueError):
    """A process definition is invalid (shapes, signs, normalisation, word probabilities)."""


class ParameterError(ProcessError):
    """A parameter is unknown, malformed or outside its declared domain."""


class SpecError(ProcessError):
    """A user specification file is missing, unreadable or malformed."""
