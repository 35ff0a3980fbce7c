"""``report.md``: a reproduction's findings stated against what the theory predicts."""

from __future__ import annotations

import math

__all__ = ["render_report"]


def _num(value, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}g}"


def _why(metrics: dict, key: str) -> str:
    reason = metrics.get(f"{key}_reason")
    return f" ({reason})" if metrics.get(key) is None and reason else ""


def _recipe(m: dict) -> str:
    """What of the training recipe differs from the defaults, e.g. ", weight decay 0.1,
    a BOS token heading each window"; empty when nothing does."""
    parts = [f"weight decay {_num(m['weight_decay'])}"] if m.get("weight_decay") else []
    if m.get("bos"):
        parts.append("a BOS token heading each window")
    return "".join(f", {part}" for part in parts)


def _timing(m: dict) -> str:
    """The command's own time. Training time sums every session of a resumed run, but
    ``total_seconds`` is this command's alone, so a resumed run says where it resumed."""
    resumed = m.get("resumed_from_step") or 0
    if not resumed:
        return f"; {_num(m['total_seconds'], 3)} s in all"
    return (f" over all sessions; this command resumed at step {resumed} and took "
            f"{_num(m['total_seconds'], 3)} s")


def render_report(metrics: dict, figures: dict[str, str]) -> str:
    """Markdown for ``metrics`` (the reproduction's ``metrics.json``) with the figures
    (name -> file name relative to the run folder) embedded."""
    m = metrics
    lines = [
        f"# {m['process']}: is the belief geometry in the network?",
        "",
        f"{m['model']} trained for {m['steps']} steps{_recipe(m)} "
        f"({_num(m['tokens_seen'])} tokens, {_num(m['train_seconds'], 3)} s of training"
        f"{_timing(m)}). Parameters: {m['params'] or 'none'}. Entropies in bits, losses in "
        "nats.",
        "",
        "## The process and its attractor",
        f"- Entropy rate {_num(m.get('entropy_rate_bits'))} bits; statistical complexity "
        f"{_num(m.get('statistical_complexity_bits'))} bits"
        f"{_why(m, 'statistical_complexity_bits')}.",
        f"- The belief IFS's Lyapunov (statistical complexity) dimension is "
        f"{_num(m.get('lyapunov_dimension'))}{_why(m, 'lyapunov_dimension')}; box "
        f"counting gives the attractor's information dimension "
        f"{_num(m.get('attractor_information_dimension'))}"
        f"{_why(m, 'attractor_information_dimension')}. Theory: the Lyapunov dimension "
        "equals D1 when the maps' images barely overlap, and bounds it from above otherwise.",
    ]
    if "attractor" in figures:
        lines += ["", f"![attractor]({figures['attractor']})"]
    lines += [
        "",
        "## Training against the floor",
        f"- Loss ratio (mean loss over the myopic-entropy floor) {_num(m['loss_ratio'], 6)}, "
        f"worst position {_num(m.get('worst_position_ratio'), 6)}. Theory: no predictor "
        "goes below 1; the Bayes-optimal one reaches 1 at every position.",
    ]
    if "loss" in figures:
        lines += ["", f"![loss per position]({figures['loss']})"]
    lines += [
        "",
        "## Beliefs in the activations",
        f"- Held-out linear probe R² {_num(m['probe_r2'])} from `{m.get('best_layer')}`, "
        f"{_num(m['concat_r2'])} from all residual hooks side by side; a probe fitted to "
        f"shuffled beliefs scores {_num(m.get('shuffle_r2'))}. The next-token distribution "
        f"is decoded with R² {_num(m.get('next_token_probe_r2'))}. Theory (Shai et al. "
        "2024): a network at the floor must carry the belief, and a transformer's residual "
        "stream holds it linearly, so R² near 1.",
        f"- Representational similarity between belief distances and activation distances "
        f"{_num(m.get('rsa_correlation'))}{_why(m, 'rsa_correlation')}; linear CKA "
        f"{_num(m.get('cka'))}{_why(m, 'cka')}; Wasserstein distance between the "
        f"probe-projected cloud and the Blackwell measure "
        f"{_num(m.get('wasserstein_distance'))}{_why(m, 'wasserstein_distance')}.",
        f"- Information dimension of the probe-projected activations "
        f"{_num(m.get('probe_information_dimension'))}"
        f"{_why(m, 'probe_information_dimension')}, of the raw activations in their top "
        f"principal components {_num(m.get('activation_information_dimension'))}"
        f"{_why(m, 'activation_information_dimension')} (TwoNN "
        f"{_num(m.get('activation_twonn_dimension'))}), against the true beliefs' "
        f"{_num(m.get('prefix_belief_information_dimension'))} on the same prefixes "
        "(a context resolves the attractor only to its own depth). Theory: an exact "
        "linear image of the beliefs has the same dimension.",
        f"- Above the probe's scatter ({_num(m.get('probe_scatter'))} RMS in the belief "
        f"chart, read from `{m.get('scatter_probe')}` over the second half of the "
        f"context; box sides from {_num(m.get('scatter_min_scale'))}), the probe's "
        f"reading has information dimension "
        f"{_num(m.get('probe_information_dimension_above_scatter'))}"
        f"{_why(m, 'probe_information_dimension_above_scatter')}, the Blackwell measure "
        f"{_num(m.get('attractor_information_dimension_above_scatter'))}"
        f"{_why(m, 'attractor_information_dimension_above_scatter')} over the same scales "
        f"(gap {_num(m.get('probe_attractor_information_gap_above_scatter'))}), and the "
        f"attractor blurred by the probe's residuals "
        f"{_num(m.get('blurred_attractor_information_dimension_above_scatter'))}. Theory: "
        "below its scatter a reading fills the plane; above it, a network that holds the "
        "fractal matches the attractor at those scales, and the blurred attractor shows "
        "how much of any excess the scatter alone explains.",
    ]
    for key in ("probe", "scaling"):
        if key in figures:
            lines += ["", f"![{key}]({figures[key]})"]
    lines += [
        "",
        "## The learned graph against the mixed-state presentation",
        f"- Clusters of hidden states against mixed states: homogeneity "
        f"{_num(m.get('graph_homogeneity'))}, completeness "
        f"{_num(m.get('graph_completeness'))}, adjusted mutual information "
        f"{_num(m.get('graph_ami'))}{_why(m, 'graph_ami')} (tolerance-merging; weighted "
        f"k-means with as many clusters as mixed states: homogeneity "
        f"{_num(m.get('graph_kmeans_homogeneity'))}, completeness "
        f"{_num(m.get('graph_kmeans_completeness'))}"
        f"{_why(m, 'graph_kmeans_completeness')}); unifilar: "
        f"{_num(m.get('graph_unifilarity'))}; isomorphic to the MSP: "
        f"{_num(m.get('graph_isomorphic'))}{_why(m, 'graph_isomorphic')}. Theory: a "
        "network that holds beliefs visits one cluster per mixed state, and its clusters "
        "update unifilarly like the MSP.",
        f"- Variance of the concatenated stream explained by the mixed state: "
        f"{_num(m.get('graph_state_variance_share'))}; by the position within a mixed "
        f"state: {_num(m.get('graph_position_variance_share'))}; left to the history the "
        f"mixed state forgets: {_num(m.get('graph_history_variance_share'))}"
        f"{_why(m, 'graph_history_variance_share')}. Theory: a network whose hidden state "
        "is its belief and nothing else puts all of it in the first share; the other two "
        "are spread inside each mixed state, along which clusters of hidden states split "
        "it.",
    ]
    if "graphs" in figures:
        lines += ["", f"![the MSP and the learned graph]({figures['graphs']})"]
    if m.get("rnn_lyapunov_dimension") is not None:
        lines += [
            "",
            "## The RNN as an iterated function system",
            f"- Lyapunov dimension of the RNN's token maps "
            f"{_num(m.get('rnn_lyapunov_dimension'))} against the belief IFS's "
            f"{_num(m.get('lyapunov_dimension'))}. A finding, not a pass mark: the RNN "
            "need only map its attractor onto the beliefs, not share their contraction.",
        ]
    if "emergence" in figures:
        lines += ["", "## Emergence over training", "",
                  f"![emergence]({figures['emergence']})"]
    lines += ["", "All numbers are in `metrics.json`; every null there has a `_reason`.", ""]
    return "\n".join(lines)
