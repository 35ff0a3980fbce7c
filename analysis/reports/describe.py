"""``beliefscope describe``: a process's exact quantities as one JSON-ready dict."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from dynamics.entropy import entropy_rate
from processes import (
    SYMBOLIC_MAX_STATES,
    Process,
    epsilon_machine,
    excess_entropy,
    explore_mixed_states,
    is_unifilar,
    myopic_entropies,
    symbolic_entropy_rate,
    symbolic_stationary,
    symbolic_statistical_complexity,
)

from .nulls import explain_nulls

__all__ = ["describe_process", "format_summary", "null_reasons"]


def describe_process(process: Process, depth: int = 10, max_states: int = 10_000,
                     blackwell_points: int = 400_000, seed: int = 0) -> dict:
    """Everything ``describe --json`` prints for ``process``; entropies in bits.

    Parameters
    ----------
    process : Process
    depth : int
        Number of myopic entropies ``h(1..depth)`` to report.
    max_states : int
        Mixed states explored before the MSP is declared not finite.
    blackwell_points, seed : int
        Chaos-game size and seed for the entropy rate of processes without a finite
        unifilar presentation.
    """
    msp = explore_mixed_states(process, max_states=max_states)
    em = epsilon_machine(process, mixed_states=msp)
    h_mu = entropy_rate(process, max_length=max(depth, 12), machine=em,
                        n_points=blackwell_points, seed=seed)
    excess = excess_entropy(process, h_mu.bits)
    if process.symbolic_ok:
        latex = dict(process.latex())
        closed_forms = {
            "stationary": symbolic_stationary(process),
            "entropy_rate_bits": symbolic_entropy_rate(process),
            "statistical_complexity_bits": symbolic_statistical_complexity(process),
        }
        latex.update({k: sp.latex(v) for k, v in closed_forms.items() if v is not None})
        symbolic_note = None
    else:
        latex = {}
        symbolic_note = (f"{process.n_states} states is beyond the "
                         f"{SYMBOLIC_MAX_STATES} for which symbolic solving can finish: no "
                         "closed forms or LaTeX; every number above is numeric")
    info = {
        "name": process.name,
        "params": dict(process.params),
        "citation": process.citation,
        "n_states": process.n_states,
        "n_symbols": process.n_symbols,
        "generalized": process.generalized,
        "stationary": [float(v) for v in process.pi],
        "unifilar": is_unifilar(process),
        "entropy_rate_bits": h_mu.bits,
        "entropy_rate_stderr_bits": h_mu.stderr_bits,
        "entropy_rate_method": h_mu.method,
        "entropy_rate_upper_bound_bits": h_mu.upper_bound_bits,
        "statistical_complexity_bits": em.statistical_complexity_bits,
        "causal_states": None if em.machine is None else em.machine.n_states,
        # With an estimated h_mu the sum is truncated where the estimate was taken.
        "excess_entropy_bits": excess.bits,
        "excess_entropy_terms": excess.n_terms,
        "excess_entropy_converged": bool(excess.converged and h_mu.exact),
        "msp_states": msp.n_states if msp.closed else None,
        "myopic_entropy_bits": [float(v) for v in myopic_entropies(process, depth)],
        "latex": latex,
    }
    if symbolic_note:
        info["latex_note"] = symbolic_note
    # explain_nulls turns what is not a finite number into null, with its reason.
    return explain_nulls(info, null_reasons(max_states))


def null_reasons(max_states: int, max_depth: int | None = None) -> dict[str, str]:
    """Why a `describe_process` (or ``msp``) value can be null, keyed like its output."""
    limits = f"{max_states} states (--max-states)"
    if max_depth is not None:
        limits += f" and {max_depth} levels (--depth)"
    not_finite = f"the mixed-state presentation is not finite within {limits}"
    return {
        "entropy_rate_upper_bound_bits": "not needed: the entropy rate is exact",
        "statistical_complexity_bits": f"{not_finite}; C_mu is infinite or unknown",
        "causal_states": f"{not_finite}; the causal states are infinite or unknown",
        "excess_entropy_bits": "the excess-entropy sum did not give a finite value at the "
                               "depth explored",
        "msp_states": f"{not_finite}",
        "n_recurrent": f"{not_finite}; its recurrent part is unknown",
        "entropy_rate_stderr_bits": "the estimate carries no standard error",
    }


def format_summary(info: dict) -> str:
    """A readable multi-line summary of `describe_process` output."""
    params = ", ".join(f"{k}={v:g}" for k, v in info["params"].items()) or "no parameters"
    kind = "generalized HMM" if info["generalized"] else "HMM"
    unifilar = "unifilar" if info["unifilar"] else "nonunifilar"

    def bits(key):
        v = info[key]
        if v is None or not math.isfinite(v):
            return f"not available ({info.get(key + '_reason', 'infinite or unknown')})"
        return f"{v:.6f} bits"

    def number(v, fmt):
        return format(v, fmt) if v is not None and math.isfinite(v) else "not available"

    h = info["myopic_entropy_bits"]
    lines = [
        f"{info['name']} ({params})",
        f"  {kind}, {info['n_states']} states, {info['n_symbols']} symbols, {unifilar}",
        f"  citation: {info['citation']}",
        "  stationary: " + np.array2string(np.array(info["stationary"]), precision=6),
        f"  entropy rate h_mu: {bits('entropy_rate_bits')} "
        f"(+- {number(info['entropy_rate_stderr_bits'], '.2g')}, "
        f"{info['entropy_rate_method']})",
        f"  statistical complexity C_mu: {bits('statistical_complexity_bits')}",
        f"  excess entropy E: {bits('excess_entropy_bits')} "
        f"({info['excess_entropy_terms']} terms"
        f"{'' if info['excess_entropy_converged'] else ', truncated'})",
        f"  mixed states from pi: {info['msp_states'] or 'not finite within the limit'}",
        f"  myopic entropies h(1..{len(h)}) bits: "
        + " ".join(number(v, ".4f") for v in h),
    ]
    for key, tex in info["latex"].items():
        lines.append(f"  latex {key}: {tex}")
    if info.get("latex_note"):
        lines.append(f"  closed forms: {info['latex_note']}")
    return "\n".join(lines)
