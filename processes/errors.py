"""Exceptions for bad definitions and bad input: every error a user can cause.

Every one derives from `BeliefscopeError`, a `ValueError`, so the command line catches
that one class and prints one line. Every message names what is wrong (the process, the
parameter, the row and its sum, the file and key) and how to fix it, because users meet
these at the command line.
"""

__all__ = [
    "NEGATIVE_TOLERANCE", "BeliefscopeError", "InputError", "ParameterError", "ProcessError",
    "SpecError", "negative_probability_error",
]

NEGATIVE_TOLERANCE = 1e-10
"""A next-symbol probability below ``-NEGATIVE_TOLERANCE`` is negative, not rounding."""


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


def negative_probability_error(process, worst: float, where: str) -> ProcessError:
    """The error for a negative next-symbol probability met while ``where`` (e.g.
    "sampling", "exploring mixed states"): a generalized HMM checked only up to a finite
    word length can still give a longer word negative probability."""
    params = f"at {process.params}" if process.params else "(no parameters)"
    return ProcessError(
        f"{process.name}: a next-symbol probability p_x(eta) = {worst:.3g} < 0 was met "
        f"while {where} {params} (words were checked only up to length "
        f"{getattr(process, '_check_depth', '?')}); this GHMM does not define a process "
        "there - choose other parameters"
    )
