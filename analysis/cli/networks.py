"""Commands about networks: ``train`` a model on a process, ``probe`` its activations."""

from __future__ import annotations

import argparse

from .common import (
    add_bos_argument,
    add_json_argument,
    add_process_arguments,
    add_seed_argument,
    add_weight_decay_argument,
    at_least,
    check_output,
    check_seed,
    print_report,
    process_from_args,
    save_plot,
)

__all__ = ["register"]


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    """Add ``train`` and ``probe`` to the subcommands ``sub``."""
    p = sub.add_parser(
        "train", formatter_class=formatter,
        help="train a transformer or RNN on a process to its loss floor (resumable)",
        description="Train on fresh windows of the process against the exact next-token "
                    "distribution, with AdamW, warm-up and cosine decay; evaluate the loss "
                    "per position against the myopic-entropy floor (nats). Rerunning the "
                    "same command after an interruption resumes from the last state.")
    add_process_arguments(p, "process", "mess3 or rrxor")
    p.add_argument("--model", choices=("transformer", "rnn", "gru", "lstm"),
                   default="transformer", help="architecture")
    p.add_argument("--n-layers", type=int, default=None,
                   help="blocks or recurrent layers (default: 4 for a transformer, 1 for "
                        "an RNN)")
    p.add_argument("--d-model", type=int, default=64,
                   help="residual-stream width (hidden size of an RNN)")
    p.add_argument("--n-heads", type=int, default=4, help="attention heads per block")
    p.add_argument("--n-ctx", type=int, default=10,
                   help="process tokens per window (the model reads one more with --bos)")
    add_bos_argument(p)
    p.add_argument("--steps", type=int, default=2000, help="optimiser steps")
    p.add_argument("--batch-size", type=int, default=64, help="sequences per step")
    p.add_argument("--lr", type=float, default=3e-3, help="peak learning rate")
    p.add_argument("--targets", choices=("exact", "sampled"), default="exact",
                   help="train each position against the exact next-token distribution, or "
                        "against the one sampled next token (the usual language-model loss; "
                        "same expectation, more gradient noise)")
    p.add_argument("--optimizer", choices=("adamw", "sgd"), default="adamw",
                   help="sgd with --lr 0.01 --batch-size 64 is the belief-geometry paper's "
                        "recipe")
    add_weight_decay_argument(p)
    p.add_argument("--schedule", choices=("cosine", "constant"), default="cosine",
                   help="after the warm-up: cosine decay to 2%% of --lr, or constant")
    p.add_argument("--warmup-steps", type=int, default=100,
                   help="linear warm-up steps up to --lr (0: none)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (one is fastest for small models)")
    add_seed_argument(p)
    p.add_argument("--device", default="cpu", metavar="cpu|cuda|auto",
                   help="where to train; auto picks CUDA when available")
    p.add_argument("--out", required=True, metavar="RUN_DIR",
                   help="the run folder (config.json, metrics.jsonl, checkpoints/)")
    add_json_argument(p)
    p.set_defaults(run=_train)

    p = sub.add_parser(
        "probe", formatter_class=formatter,
        help="probe a trained run's activations for beliefs (linear, held-out R²)",
        description="Weighted ridge probes from each hook (and all of them side by side) to "
                    "the true beliefs and next-token distributions, scored on held-out "
                    "sequences, with a shuffled-target control.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by `beliefscope train`")
    p.add_argument("--layers", nargs="+", default=["all"], metavar="all|concat|NAME",
                   help="hooks to probe: all residual hooks (all, concat) or hook names "
                        "such as blocks.3.hook_resid_post; the concatenation is always "
                        "reported")
    add_seed_argument(p)
    p.add_argument("--device", default="cpu", metavar="cpu|cuda|auto",
                   help="where to run the model")
    p.add_argument("--plot", metavar="FILE.png|.svg|.pdf",
                   help="true beliefs beside the best layer's probe predictions")
    add_json_argument(p)
    p.set_defaults(run=_probe)


def _train(args: argparse.Namespace) -> None:
    check_seed(args.seed)
    at_least(args.steps, 1, "--steps")
    at_least(args.batch_size, 1, "--batch-size")
    at_least(args.threads, 1, "--threads")
    at_least(args.warmup_steps, 0, "--warmup-steps")
    if not args.lr > 0:
        from processes.errors import InputError

        raise InputError(f"--lr {args.lr}: the learning rate must be a positive number")
    from ..networks.train import TrainConfig, check_weight_decay, resolve_device, train
    from ..reports import model_config_for, train_report

    check_weight_decay(args.weight_decay)
    device = resolve_device(args.device)  # refuse a missing CUDA before building anything
    process = process_from_args(args)
    model = model_config_for(args.model, process, n_layers=args.n_layers,
                             d_model=args.d_model, n_heads=args.n_heads, n_ctx=args.n_ctx,
                             bos=args.bos)
    config = TrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                         optimizer=args.optimizer, weight_decay=args.weight_decay,
                         schedule=args.schedule, warmup_steps=args.warmup_steps,
                         seed=args.seed, threads=args.threads, bos=args.bos,
                         soft_targets=args.targets == "exact")
    ref = {"file": args.file} if args.file else {"catalogue": args.process}
    result = train(process, model, config, args.out, process_ref=ref, device=str(device))
    print_report(train_report(result), args.json)


def _probe(args: argparse.Namespace) -> None:
    check_seed(args.seed)
    check_output(args.plot, "--plot", (".png", ".svg", ".pdf"))
    from ..reports import probe_report

    info, report, prefixes = probe_report(args.run_dir, args.layers, seed=args.seed,
                                          device=args.device)
    print_report(info, args.json)
    if args.plot:
        from ..probes import plot_probe

        rows, best = report.test_rows, report.best_layer

        def draw():
            return plot_probe(report.targets[rows], report.predictions[best][rows],
                              prefixes.weights[rows],
                              title=f"{info['process']}: {best}, held-out prefixes")

        save_plot(draw, args.plot)
