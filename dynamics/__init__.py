"""Belief dynamics as iterated maps, and one engine for any symbolic map or flow.

Lyapunov exponents are in nats per step (per unit time for flows); entropy rates from
the chaos game are in bits unless a name says nats.

Names load on first use (PEP 562), so a command that needs one corner of the
package does not pay for importing all of it (sympy, numba, scipy, torch).
"""

from __future__ import annotations

from processes.lazy import lazy_exports

# Public name -> the module that owns it.
_EXPORTS = {
    "BeliefIFS": "belief",
    "CATALOGUE": "textbook",
    "ChaosGame": "attractor",
    "DivergenceError": "lyapunov",
    "DrivenMap": "systems",
    "FixedPoint": "fixed_point",
    "Flow": "systems",
    "LyapunovResult": "lyapunov",
    "SymbolicFlow": "systems",
    "SymbolicIFS": "systems",
    "SymbolicMap": "systems",
    "TextbookEntry": "textbook",
    "TorchDrivenMap": "systems",
    "belief_colors": "plots",
    "belief_coordinates": "belief",
    "belief_lyapunov_spectrum": "belief",
    "chaos_game": "attractor",
    "classify_stability": "fixed_point",
    "draw_msp": "plots",
    "entropy_rate": "entropy",
    "fixed_points": "fixed_point",
    "get_system": "textbook",
    "integrate": "lyapunov",
    "iterate": "lyapunov",
    "list_systems": "textbook",
    "load_system": "system_spec",
    "lyapunov_dimension": "lyapunov",
    "lyapunov_spectrum": "lyapunov",
    "plot_simplex": "plots",
    "sample_attractor": "attractor",
    "simplex_coordinates": "plots",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
