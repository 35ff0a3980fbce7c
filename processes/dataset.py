"""A torch `IterableDataset` of training windows drawn from a process."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from .process import Process
from .sampling import generate

__all__ = ["ProcessDataset"]


class ProcessDataset(IterableDataset):
    """Endless (or ``n_batches``-long, per worker) stream of batches of ``n_ctx + 1``-token
    windows.

    Each item is ``(inputs, targets)``, both int64 tensors of shape (batch_size, n_ctx):
    inputs are tokens 1..n_ctx and targets tokens 2..n_ctx+1 of a stationary window, so
    every input position is trained (``docs/conventions.md``). With
    ``return_beliefs=True`` a third item holds the beliefs after each input token,
    float64 of shape (batch_size, n_ctx, n_states).

    Every DataLoader worker draws from its own child of ``seed``, so batches never repeat
    across workers and the stream is reproducible for a fixed worker count.
    """

    def __init__(self, process: Process, n_ctx: int, batch_size: int,
                 seed: int | np.random.Generator | None = 0,
                 n_batches: int | None = None, return_beliefs: bool = False):
        self.process = process
        self.n_ctx = n_ctx
        self.batch_size = batch_size
        self.seed = seed
        self.n_batches = n_batches
        self.return_beliefs = return_beliefs

    def __iter__(self):
        info = get_worker_info()
        worker, n_workers = (0, 1) if info is None else (info.id, info.num_workers)
        root = self.seed
        if isinstance(root, np.random.Generator):
            root = int(root.integers(2**63))  # a seed sequence needs an integer root
        rng = np.random.default_rng(np.random.SeedSequence(root).spawn(n_workers)[worker])
        produced = 0
        while self.n_batches is None or produced < self.n_batches:
            s = generate(self.process, self.batch_size, self.n_ctx + 1, seed=rng,
                         return_beliefs=self.return_beliefs)
            tokens = torch.from_numpy(s.tokens)
            item = (tokens[:, :-1], tokens[:, 1:])
            if self.return_beliefs:
                item = (*item, torch.from_numpy(np.ascontiguousarray(s.beliefs[:, :-1])))
            yield item
            produced += 1
