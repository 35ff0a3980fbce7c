"""``beliefscope reproduce``: describe, sample the attractor, train, probe and compare.

One run folder holds everything: the training run (``config.json``, checkpoints, which
make a rerun resume), ``metrics.json``, the figures and ``report.md``. Every stage writes
atomically, and a step that does not apply to the process or the model (a graph
isomorphism for an infinite MSP, Lyapunov spectra of a transformer) gives ``null`` with a
``_reason`` instead of failing.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from analysis.io import atomic_write, save_figure, write_json
from processes import Process
from processes.errors import BeliefscopeError, InputError

from .figures import attractor_figure, loss_figure, scaling_figure
from .report import _num, render_report

__all__ = ["REQUIRED_METRICS", "Settings", "check_recipe", "reproduce"]

REQUIRED_METRICS = (
    "probe_r2", "concat_r2", "loss_ratio", "attractor_information_dimension",
    "lyapunov_dimension", "activation_information_dimension", "rsa_correlation", "cka",
    "wasserstein_distance", "graph_homogeneity", "graph_completeness", "graph_ami",
    "graph_isomorphic", "train_seconds", "total_seconds",
)
"""Keys every ``metrics.json`` holds (a value, or null beside a ``_reason``)."""

# Graphs larger than this are unreadable when drawn (RRXOR's MSP has 36 states).
_DRAWN_STATES = 60


@dataclass(frozen=True)
class Settings:
    """Sizes of a reproduction: the defaults, or ``quick`` for demos and tests."""

    steps: int = 2000  # training steps
    weight_decay: float = 0.0  # AdamW's decoupled weight decay in training
    n_ctx: int = 10  # process tokens per window (Mess3 at 10: 88,572 prefixes, all exact)
    attractor_points: int = 200_000  # chaos-game samples of the Blackwell measure
    lyapunov_steps: int = 20_000  # steps per orbit of the belief IFS's spectrum
    emergence_sequences: int = 512  # sampled sequences per checkpoint for emergence
    rnn_steps: int = 2_000  # steps per orbit of an RNN's token-map spectrum
    dimension_points: int = 20_000  # prefixes drawn by weight for each cloud's dimensions
    ot_points: int = 2000  # points per cloud in the Wasserstein distance
    bos: bool = False  # train and probe with a BOS token heading every window

    @classmethod
    def quick(cls) -> Settings:
        return cls(steps=300, n_ctx=8, attractor_points=20_000, lyapunov_steps=2_000,
                   emergence_sequences=128, ot_points=500, rnn_steps=500,
                   dimension_points=10_000)

    @classmethod
    def with_recipe(cls, quick: bool = False, steps: int | None = None,
                    weight_decay: float = 0.0, bos: bool = False) -> Settings:
        """The default or ``quick`` sizes with a training recipe on top: ``steps`` (None:
        the sizes' own), ``weight_decay`` and ``bos`` (``reproduce --steps --weight-decay
        --bos``)."""
        check_recipe(steps, weight_decay)
        sizes = cls.quick() if quick else cls()
        return replace(sizes, steps=sizes.steps if steps is None else steps,
                       weight_decay=weight_decay, bos=bool(bos))

    @classmethod
    def for_sweep_point(cls, options: dict) -> Settings:
        """`with_recipe` from a ``reproduce`` sweep point's options (its config's
        ``options``): checked when the spec loads, used when the point runs."""
        return cls.with_recipe(options["quick"], options.get("steps"),
                               options["weight_decay"], options.get("bos", False))


def check_recipe(steps: int | None, weight_decay: float) -> None:
    """Refuse a training recipe `reproduce` cannot run, naming the flag; the command line
    and a sweep spec both check through `Settings.with_recipe` before anything runs."""
    from analysis.networks.train import check_weight_decay

    if steps is not None and (isinstance(steps, bool) or steps < 1):
        raise InputError(f"--steps {steps}: must be >= 1")
    check_weight_decay(weight_decay)


class _Stages:
    """Times each stage and says which one runs (stderr, on a terminal only)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.start = time.perf_counter()

    def __call__(self, name: str) -> None:
        if self.enabled:
            print(f"[{time.perf_counter() - self.start:6.1f} s] {name}", file=sys.stderr)


def _figure(run_dir: Path, figures: dict, key: str, name: str, draw) -> None:
    """Draw and save one figure; a failure costs that figure, not the run."""
    try:
        save_figure(draw(), run_dir / name)
    except (ValueError, RuntimeError, TypeError, np.linalg.LinAlgError):
        return
    figures[key] = name


def reproduce(process: Process, run_dir: str | Path, *, model: str = "transformer",
              quick: bool = False, device: str = "cpu", process_ref: dict | None = None,
              seed: int = 0, progress: bool = True, settings: Settings | None = None) -> dict:
    """Run the whole pipeline into ``run_dir``; return ``metrics.json``'s content.

    Parameters
    ----------
    process : Process
    run_dir : path
        Created if needed; a folder holding a compatible training run resumes it.
    model : {'transformer', 'rnn', 'gru', 'lstm'}
    quick : bool
        `Settings.quick` sizes (about a minute on a laptop CPU).
    device : {'cpu', 'cuda', 'auto'}
    process_ref : dict, optional
        How to rebuild the process by name (saved with the run).
    seed : int
    progress : bool
        Say which stage runs (on a terminal) and show the training bar.
    settings : Settings, optional
        Explicit sizes and training recipe, overriding ``quick``.
    """
    from analysis import compare
    from analysis.networks import collect_activations, prefix_dataset
    from analysis.networks.train import TrainConfig, train
    from analysis.probes import CONCAT, plot_probe, probe
    from analysis.reports import attractor_report, describe_process, explain_nulls, model_config_for
    from dynamics import belief_coordinates

    settings = settings or (Settings.quick() if quick else Settings())
    run_dir = Path(run_dir)
    stage = _Stages(progress)
    figures: dict[str, str] = {}
    metrics: dict = {"process": process.name, "params": dict(process.params),
                     "model": model, "quick": quick}
    reasons: dict[str, str] = {}

    stage("describing the process")
    described = describe_process(process, depth=settings.n_ctx + 1, seed=seed,
                                 blackwell_points=2 * settings.attractor_points)
    for key in ("entropy_rate_bits", "statistical_complexity_bits", "excess_entropy_bits",
                "msp_states", "msp_finite"):
        if key in described:
            metrics[key] = described[key]
            if f"{key}_reason" in described:
                reasons[key] = described[f"{key}_reason"]

    stage("sampling the attractor")
    beliefs, cloud, attractor, attractor_fits = attractor_report(
        process, settings.attractor_points, seed=seed, lyapunov_steps=settings.lyapunov_steps,
        return_fits=True)
    metrics["attractor_information_dimension"] = attractor.get("information_dimension")
    metrics["attractor_correlation_dimension"] = attractor.get("correlation_dimension")
    metrics["lyapunov_dimension"] = attractor.get("lyapunov_dimension")
    metrics["lyapunov_converged"] = attractor.get("lyapunov_converged")
    for key, source in (("attractor_information_dimension", "information_dimension"),
                        ("attractor_correlation_dimension", "correlation_dimension"),
                        ("lyapunov_dimension", "lyapunov_dimension")):
        if attractor.get(f"{source}_reason"):
            reasons[key] = attractor[f"{source}_reason"]
    _figure(run_dir, figures, "attractor", "attractor.png",
            lambda: attractor_figure(beliefs[:100_000],
                                     f"{process.name}: the Blackwell measure"))

    stage("training")
    model_config = model_config_for(model, process, n_ctx=settings.n_ctx, bos=settings.bos)
    config = TrainConfig(steps=settings.steps, weight_decay=settings.weight_decay,
                         bos=settings.bos, seed=seed)
    result = train(process, model_config, config, run_dir, process_ref=process_ref,
                   device=device, progress=progress)
    metrics["weight_decay"] = settings.weight_decay
    metrics["bos"] = settings.bos
    m = result.metrics
    metrics.update({k: m[k] for k in ("loss_ratio", "worst_position_ratio", "tokens_seen",
                                      "train_seconds", "steps")})
    # train_seconds sums every training session; total_seconds is this command's alone.
    metrics["resumed_from_step"] = result.resumed_from
    _figure(run_dir, figures, "loss", "loss_per_position.png",
            lambda: loss_figure(m["loss_nats"], m["floor_nats"],
                                f"{process.name}: validation loss against the floor"))

    stage("probing")
    prefixes = prefix_dataset(process, model_config["n_ctx"], seed=seed + 1,
                              bos=config.bos_token(process))
    activations = collect_activations(result.model, prefixes, device=device)
    belief = probe(activations, "belief", seed=seed)
    next_token = probe(activations, "next_token", seed=seed)
    summary = belief.to_dict()
    for key in ("probe_r2", "concat_r2", "shuffle_r2", "best_layer", "probe_mse",
                "probe_mse_unweighted"):
        metrics[key] = summary.get(key)
        if summary.get(f"{key}_reason"):  # e.g. a one-state process: R² is undefined
            reasons[key] = summary[f"{key}_reason"]
    per_layer = dict(summary.get("per_layer") or {})
    for name in [k for k, v in per_layer.items() if v is None]:
        per_layer[f"{name}_reason"] = summary.get("probe_r2_reason") or (
            "the beliefs do not vary across prefixes, so R² is undefined")
    metrics["per_layer_r2"] = per_layer
    metrics["next_token_probe_r2"] = next_token.to_dict().get("next_token_probe_r2")
    best, test = belief.best_layer, belief.test_rows
    projected = belief.predictions[best]  # (m, n) the probe's beliefs, every prefix
    _figure(run_dir, figures, "probe", "probe.png",
            lambda: plot_probe(belief.targets[test], projected[test],
                               prefixes.weights[test],
                               title=f"{process.name}: {best}, held-out prefixes"))

    stage("comparing geometry")
    w = prefixes.weights
    acts = activations.layer(best)
    if process.n_states < 2:
        why = "a one-state process has a single belief: there is no geometry to compare"
        for key in _GEOMETRY_KEYS:
            metrics[key], reasons[key] = None, why
    else:
        metrics.update(_guarded(metrics, reasons, _GEOMETRY_KEYS, lambda: _geometry(
            compare, process, prefixes, projected, acts, beliefs, settings, seed)) or {})
        # The sharpest reading of the beliefs (all hooks side by side) over the second
        # half of the context, whose prefixes lie on the attractor to within the
        # contraction of n_ctx / 2 maps.
        reader = CONCAT if CONCAT in belief.predictions else best
        late = prefixes.position >= prefixes.n_ctx // 2
        chart_true = belief_coordinates(process, prefixes.beliefs[late])
        chart_probe = belief_coordinates(process, belief.predictions[reader][late])
        fits: dict = {}
        metrics.update(_guarded(metrics, reasons, _SCATTER_KEYS, lambda: _above_scatter(
            compare, chart_true, chart_probe, cloud, w[late], reader, seed, fits)) or {})
        _figure(run_dir, figures, "scaling", "dimension_scaling.png",
                lambda: _scaling(cloud, attractor_fits.get("information_dimension"), fits,
                                 reader, metrics.get("scatter_min_scale"), process.name))

    stage("comparing graphs")
    learned, by_k = _guarded(metrics, reasons, _GRAPH_KEYS, lambda: _graph(
        compare, metrics, activations, prefixes, process, seed)) or (None, None)

    def graphs():
        from matplotlib.figure import Figure

        from dynamics.plots import draw_msp
        from processes import mixed_state_presentation

        fig = Figure(figsize=(16, 7), layout="constrained")
        left, right = fig.subplots(1, 2)
        msp = mixed_state_presentation(process, max_states=_DRAWN_STATES)
        draw_msp(msp, ax=left)
        left.set_title(f"{process.name}: mixed-state presentation"
                       + ("" if msp.graph.get("finite") else f" (first {msp.number_of_nodes()}"
                          " states)"))
        if learned.n_clusters <= _DRAWN_STATES:
            compare.draw_learned_graph(learned, ax=right)
            right.set_title(f"learned graph: {learned.n_clusters} clusters of hidden states")
        elif by_k is not None and by_k.n_clusters <= _DRAWN_STATES:
            # Tolerance-merging kept hundreds of clusters (a network that also holds its
            # history); k-means with one cluster per mixed state gives a graph a reader
            # can set beside the MSP.
            compare.draw_learned_graph(by_k, ax=right)
            right.set_title(
                f"learned graph: k-means, {by_k.n_clusters} clusters, one per mixed state "
                f"(tolerance-merging: {learned.n_clusters})\nhomogeneity "
                f"{_num(metrics.get('graph_kmeans_homogeneity'))}, completeness "
                f"{_num(metrics.get('graph_kmeans_completeness'))}")
        else:  # a drawing of hundreds of nodes shows nothing; the numbers say more
            right.set_axis_off()
            right.text(0.5, 0.5, f"learned graph: {learned.n_clusters} clusters of hidden "
                       f"states,\ntoo many to draw (homogeneity "
                       f"{_num(metrics.get('graph_homogeneity'))}, completeness "
                       f"{_num(metrics.get('graph_completeness'))})",
                       ha="center", va="center", fontsize=12)
        return fig

    if learned is not None:
        _figure(run_dir, figures, "graphs", "graphs.png", graphs)

    stage("comparing dynamics")
    if model == "transformer":
        reasons["rnn_lyapunov_dimension"] = compare.NOT_RECURRENT
        metrics["rnn_lyapunov_dimension"] = None
    else:
        def lyapunov():
            found = compare.rnn_lyapunov(result.model, process, n_steps=settings.rnn_steps,
                                         belief_steps=settings.lyapunov_steps, seed=seed)
            metrics.update({k: v for k, v in found.items()
                            if k.startswith(("rnn_", "belief_"))})

        _guarded(metrics, reasons, ("rnn_lyapunov_dimension",), lyapunov)

    stage("emergence over training")
    try:
        grown = compare.emergence(run_dir, n_sequences=settings.emergence_sequences,
                                  seed=seed)
    except BeliefscopeError as exc:
        reasons["emergence"] = str(exc)
    else:
        metrics["emergence"] = grown
        _figure(run_dir, figures, "emergence", "emergence.png",
                lambda: compare.plot_emergence(grown))
    metrics["total_seconds"] = time.perf_counter() - stage.start
    metrics = explain_nulls(metrics, reasons)
    write_json(run_dir / "metrics.json", _json_safe(metrics))
    atomic_write(run_dir / "report.md",
                 lambda p: p.write_text(render_report(metrics, figures)))
    return metrics


_GEOMETRY_KEYS = ("probe_information_dimension", "activation_information_dimension",
                  "rsa_correlation", "cka", "wasserstein_distance")
_GRAPH_KEYS = ("graph_homogeneity", "graph_completeness", "graph_ami", "graph_isomorphic")
_SCATTER_KEYS = ("probe_information_dimension_above_scatter",
                 "probe_information_dimension_free_fit",
                 "attractor_information_dimension_above_scatter",
                 "blurred_attractor_information_dimension_above_scatter",
                 "probe_attractor_information_gap_above_scatter")


def _guarded(metrics: dict, reasons: dict, keys, run):
    """``run()``; a stage that does not apply to this process (a `BeliefscopeError`)
    leaves its ``keys`` null with the error as the reason instead of ending the run."""
    try:
        return run()
    except BeliefscopeError as exc:
        for key in keys:
            metrics[key] = None
            reasons[key] = f"not measured for this process: {exc}"
        return None


def _geometry(compare, process, prefixes, projected, acts, beliefs, settings, seed) -> None:
    """Dimensions of the three clouds, RSA, CKA and the transport distance (in place)."""
    from dynamics import belief_coordinates

    w = prefixes.weights
    dims = compare.compare_dimensions(belief_coordinates(process, prefixes.beliefs),
                                      belief_coordinates(process, projected), acts, w,
                                      n_points=settings.dimension_points, random_state=seed)
    # compare_dimensions calls the true beliefs of the prefixes its "attractor" cloud;
    # here "attractor" is the Blackwell measure itself (the chaos game), so the prefix
    # cloud's numbers go under their own name. A context of n_ctx tokens resolves the
    # attractor only to depth n_ctx: compare the probe with the prefix beliefs.
    found = {k.replace("attractor", "prefix_belief"): v for k, v in dims.items()}
    found["rsa_correlation"] = compare.rsa_correlation(prefixes.beliefs, acts, w,
                                                       random_state=seed)
    found["cka"] = compare.linear_cka(acts, prefixes.beliefs, w)
    found["wasserstein_distance"] = compare.wasserstein_distance(
        projected, beliefs, w, None, max_points=settings.ot_points, random_state=seed)
    found["wasserstein_distance_units"] = "belief distance (Euclidean, belief vectors)"
    found.update(compare.equal_prediction_pairs(prefixes.beliefs, prefixes.next_token_probs,
                                                acts, w))
    return found


# K-means with as many clusters as mixed states runs up to this many of them (Mess3's
# context of 10 has ~10^5, too many to cluster and to read).
_KMEANS_STATES = 500


def _graph(compare, metrics, activations, prefixes, process, seed):
    """The learned graph by tolerance-merging and, where the prefixes hold few enough
    mixed states, by weighted k-means with that many clusters (else None): a network that
    separates mixed states but also keeps, say, its position splits each state into
    many tight clusters, which tolerance-merging keeps apart (homogeneity 1, completeness
    low) and k-means may join."""
    concat = activations.concat()
    learned = compare.learned_graph(concat, prefixes, random_state=seed)
    metrics.update(compare.graph_metrics(learned, prefixes, process))
    k = metrics.get("n_mixed_states")
    shares = ("graph_state_variance_share", "graph_position_variance_share",
              "graph_history_variance_share")
    # Why clustering does or does not find the mixed states: how much of the stream's
    # variance they explain, against position and the history beyond them.
    split = compare.mixed_state_variance(concat, prefixes)
    if split["rows_per_mixed_state"] >= 2:
        metrics.update({key: split[key.removeprefix("graph_")] for key in shares})
    else:
        why = (f"the {len(prefixes.weights)} prefixes hold {k} mixed states, fewer than two "
               "prefixes each: a mixed state is nearly its prefix, so it would explain "
               "nearly all the variance whatever the network holds")
        metrics.update({key: None for key in shares})
        metrics.update({f"{key}_reason": why for key in shares})
    keys = ("graph_kmeans_homogeneity", "graph_kmeans_completeness", "graph_kmeans_ami")
    if not k or k > _KMEANS_STATES or k >= learned.n_clusters:
        why = (f"the prefixes hold {k} mixed states, more than the {_KMEANS_STATES} k-means "
               "is run for" if k and k > _KMEANS_STATES else
               "k-means needs fewer mixed states than distinct hidden states")
        metrics.update({key: None for key in keys})
        metrics.update({f"{key}_reason": why for key in keys})
        return learned, None
    by_k = compare.learned_graph(concat, prefixes, method="kmeans", n_clusters=k,
                                 random_state=seed)
    # Only its clustering scores: the MSP comparison is graph_metrics' above.
    found = compare.mixed_state_scores(by_k.labels, prefixes)
    metrics["graph_kmeans_clusters"] = k
    for key in keys:
        plain = key.replace("_kmeans", "")
        metrics[key] = found.get(plain)
        if found.get(f"{plain}_reason"):
            metrics[f"{key}_reason"] = found[f"{plain}_reason"]
    return learned, by_k


def _above_scatter(compare, chart_true, chart_probe, cloud, w, reader, seed, fits) -> dict:
    """`compare.scatter_matched_dimensions` of the probe's reading, with its source; its
    fitted estimators go into ``fits`` for the scaling figure."""
    found, fitted = compare.scatter_matched_dimensions(chart_true, chart_probe, cloud, w,
                                                       random_state=seed, return_fits=True)
    found["scatter_probe"] = reader
    fits.update(fitted)
    return found


def _scaling(cloud, attractor_fit, fits: dict, reader: str, min_scale, name: str):
    """D1 scaling curves of the numbers in ``metrics.json``: the Blackwell measure (free
    fit, ``attractor_fit`` from `attractor_report`; left out where that fit failed) and
    the probe's reading (free), then both and the blurred attractor above the probe's
    scatter (``fits``, from `_above_scatter`)."""
    from analysis.geometry import InformationDimension

    panels = {}
    if isinstance(attractor_fit, InformationDimension):  # else the ValueError of its fit
        panels["Blackwell measure (chaos game), free fit"] = attractor_fit
    floor = f"above {min_scale:.3g}" if min_scale else "above the scatter"
    labels = {"probe_information_dimension_free_fit": f"probe's reading ({reader}), free fit",
              "attractor_information_dimension_above_scatter": f"Blackwell measure, {floor}",
              "probe_information_dimension_above_scatter": f"probe's reading, {floor}",
              "blurred_attractor_information_dimension_above_scatter":
                  f"attractor blurred by the probe's residuals, {floor}"}
    panels |= {label: fits[key] for key, label in labels.items() if key in fits}
    extent = float(np.ptp(cloud, axis=0).max())
    # Down to 1e-4 of the extent, or further when a fit reaches below it.
    low = min([1e-4 * extent] + [0.5 * fit.fit_range_[0] for fit in panels.values()])
    return scaling_figure(panels, f"{name}: information dimension D1 (box sides in "
                          "belief-chart units)", cols=3, xlim=(low, 2 * extent))


def _json_safe(metrics: dict) -> dict:
    """NaN and infinities inside nested lists and dicts as null (JSON has neither)."""
    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if isinstance(value, np.generic):
            return clean(value.item())
        return value

    return clean(metrics)
