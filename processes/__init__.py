"""Processes, specified symbolically: the catalogue, exact quantities and sampling.

Entropies are in bits unless a name says nats. Conventions: ``docs/conventions.md``.
"""

from ._linalg import entropy_bits
from .catalogue import CatalogueEntry, get_process, list_processes, register
from .errors import BeliefscopeError, InputError, ParameterError, ProcessError, SpecError
from .information import (
    EntropyRate,
    ExcessEntropy,
    block_entropies,
    exact_entropy_rate,
    excess_entropy,
    myopic_entropies,
)
from .mixed_states import belief_levels
from .msp import (
    EpsilonMachine,
    MixedStates,
    epsilon_machine,
    explore_mixed_states,
    mixed_state_presentation,
    msp_summary,
    msp_to_process,
    recurrent_part,
    transient_part,
)
from .parameters import Parameter, parse_domain
from .process import Process
from .sampling import Samples, enumerate_words, generate
from .spec import load_process, process_from_dict
from .structure import (
    is_unifilar,
    minimize,
    symbolic_entropy_rate,
    symbolic_stationary,
    symbolic_statistical_complexity,
)

__all__ = [
    "BeliefscopeError", "CatalogueEntry", "EntropyRate", "EpsilonMachine", "ExcessEntropy",
    "InputError", "MixedStates", "Parameter", "ParameterError", "Process", "ProcessDataset",
    "ProcessError", "Samples", "SpecError", "belief_levels", "block_entropies", "entropy_bits",
    "enumerate_words", "epsilon_machine", "exact_entropy_rate", "excess_entropy",
    "explore_mixed_states", "generate", "get_process", "is_unifilar", "list_processes",
    "load_process", "minimize", "mixed_state_presentation", "msp_summary", "msp_to_process",
    "myopic_entropies", "parse_domain", "process_from_dict", "recurrent_part", "register",
    "symbolic_entropy_rate", "symbolic_stationary", "symbolic_statistical_complexity",
    "transient_part",
]


def __getattr__(name):
    # torch is heavy to import; only the dataset needs it.
    if name == "ProcessDataset":
        from .dataset import ProcessDataset

        return ProcessDataset
    raise AttributeError(f"module 'processes' has no attribute {name!r}")
