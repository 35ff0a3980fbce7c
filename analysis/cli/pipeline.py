"""``beliefscope reproduce``: the whole pipeline for one process, into one run folder."""

from __future__ import annotations

import argparse

from .common import (
    add_bos_argument,
    add_json_argument,
    add_process_arguments,
    add_seed_argument,
    add_weight_decay_argument,
    check_seed,
)

__all__ = ["register"]

# The keys the text output prints (metrics.json holds many more).
_SUMMARY = ("run_dir", "probe_r2", "concat_r2", "shuffle_r2", "loss_ratio",
            "attractor_information_dimension", "lyapunov_dimension",
            "probe_information_dimension", "activation_information_dimension",
            "probe_information_dimension_above_scatter",
            "attractor_information_dimension_above_scatter", "rsa_correlation", "cka",
            "wasserstein_distance", "graph_homogeneity", "graph_completeness", "graph_ami",
            "graph_kmeans_homogeneity", "graph_kmeans_completeness",
            "graph_state_variance_share", "graph_history_variance_share", "graph_isomorphic",
            "train_seconds", "total_seconds")


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    """Add ``reproduce`` to the subcommands ``sub``."""
    p = sub.add_parser(
        "reproduce", formatter_class=formatter,
        help="describe, sample the attractor, train, probe and compare: the whole study",
        description="One command for the headline: does a network trained on the process "
                    "hold its belief geometry? Writes RUN_DIR/metrics.json, figures and "
                    "report.md; a rerun resumes the training.")
    add_process_arguments(p, "process", "mess3")
    p.add_argument("--model", choices=("transformer", "rnn", "gru", "lstm"),
                   default="transformer", help="architecture")
    p.add_argument("--out", metavar="RUN_DIR", default=None,
                   help="the run folder (default: runs/NAME)")
    p.add_argument("--quick", action="store_true",
                   help="small sizes (about a minute on a laptop CPU), for demos and tests")
    p.add_argument("--steps", type=int, default=None, metavar="N",
                   help="training steps (default: 2000, or 300 with --quick)")
    add_weight_decay_argument(p, sgd=False)
    add_bos_argument(p)
    add_seed_argument(p)
    p.add_argument("--device", default="cpu", metavar="cpu|cuda|auto",
                   help="where to train and run the network")
    add_json_argument(p)
    p.set_defaults(run=_reproduce)


def _reproduce(args: argparse.Namespace) -> None:
    check_seed(args.seed)
    from ..networks.train import resolve_device
    from ..pipeline import Settings, reproduce
    from .common import print_report, process_from_args

    settings = Settings.with_recipe(args.quick, args.steps, args.weight_decay, args.bos)
    device = resolve_device(args.device)
    process = process_from_args(args)
    out = args.out or f"runs/{process.name}"
    ref = {"file": args.file} if args.file else {"catalogue": args.process}
    metrics = reproduce(process, out, model=args.model, quick=args.quick,
                        device=str(device), process_ref=ref, seed=args.seed,
                        settings=settings)
    metrics = {"run_dir": out, **metrics}
    if args.json:
        print_report(metrics, True)
    else:
        print_report({k: metrics[k] for k in _SUMMARY if k in metrics}
                     | {f"{k}_reason": metrics[f"{k}_reason"] for k in _SUMMARY
                        if f"{k}_reason" in metrics}, False)
        print(f"report: {out}/report.md")
