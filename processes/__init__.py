"""Processes, specified symbolically: the catalogue, exact quantities and sampling.

Entropies are in bits unless a name says nats. Conventions: ``docs/conventions.md``.

Names load on first use (PEP 562), so a command that needs one corner of the
package does not pay for importing all of it (sympy, numba, scipy, torch).
"""

from __future__ import annotations

from .lazy import lazy_exports

# Public name -> the module that owns it.
_EXPORTS = {
    "BeliefscopeError": "errors",
    "CatalogueEntry": "catalogue",
    "CombinedProcess": "combine",
    "EntropyRate": "information",
    "EpsilonMachine": "msp",
    "ExcessEntropy": "information",
    "InputError": "errors",
    "MixedStates": "msp",
    "Parameter": "parameters",
    "ParameterError": "errors",
    "Process": "process",
    "ProcessDataset": "dataset",
    "ProcessError": "errors",
    "Samples": "sampling",
    "SYMBOLIC_MAX_STATES": "process",
    "SpecError": "errors",
    "belief_levels": "mixed_states",
    "advance_beliefs": "sampling",
    "block_entropies": "information",
    "catalogue_entries": "catalogue",
    "entropy_bits": "_linalg",
    "enumerate_words": "sampling",
    "epsilon_machine": "msp",
    "exact_entropy_rate": "information",
    "excess_entropy": "information",
    "explore_mixed_states": "msp",
    "generate": "sampling",
    "get_process": "catalogue",
    "is_unifilar": "structure",
    "list_processes": "catalogue",
    "load_process": "spec",
    "matching_parens": "combine",
    "minimize": "structure",
    "mixture": "combine",
    "mixed_state_presentation": "msp",
    "msp_summary": "msp",
    "msp_to_process": "msp",
    "myopic_entropies": "information",
    "parse_domain": "parameters",
    "product": "combine",
    "process_from_dict": "spec",
    "process_to_dict": "spec",
    "recurrent_part": "msp",
    "register": "catalogue",
    "start_belief": "combine",
    "symbolic_entropy_rate": "structure",
    "symbolic_stationary": "structure",
    "symbolic_statistical_complexity": "structure",
    "transient_part": "msp",
    "with_bos": "combine",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
