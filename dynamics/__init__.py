"""Belief dynamics as iterated maps, and one engine for any symbolic map or flow.

Lyapunov exponents are in nats per step (per unit time for flows); entropy rates from
the chaos game are in bits unless a name says nats.
"""

from .attractor import ChaosGame, blackwell_entropy_rate, chaos_game, sample_attractor
from .belief import BeliefIFS, belief_coordinates, belief_lyapunov_spectrum
from .entropy_rate import entropy_rate
from .fixed_points import FixedPoint, classify_stability, fixed_points
from .lyapunov import (
    DivergenceError,
    LyapunovResult,
    integrate,
    iterate,
    lyapunov_dimension,
    lyapunov_spectrum,
)
from .plots import belief_colors, draw_msp, plot_simplex, simplex_coordinates
from .system_spec import load_system
from .systems import DrivenMap, Flow, SymbolicFlow, SymbolicIFS, SymbolicMap, TorchDrivenMap
from .textbook import CATALOGUE, TextbookEntry, get_system, list_systems

__all__ = [
    "BeliefIFS", "CATALOGUE", "ChaosGame", "DivergenceError", "DrivenMap", "FixedPoint", "Flow",
    "LyapunovResult", "SymbolicFlow", "SymbolicIFS", "SymbolicMap", "TextbookEntry",
    "TorchDrivenMap", "belief_colors", "belief_coordinates", "belief_lyapunov_spectrum",
    "blackwell_entropy_rate", "chaos_game", "classify_stability", "draw_msp", "entropy_rate",
    "fixed_points", "get_system", "integrate", "iterate", "list_systems", "load_system",
    "lyapunov_dimension", "lyapunov_spectrum", "plot_simplex", "sample_attractor",
    "simplex_coordinates",
]
