"""Atomic file output and point-cloud input for the CLI and the pipelines.

Every artifact is written to a temporary file in the destination folder and renamed into
place, so an interrupted run never leaves a truncated file where a complete one should be.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["atomic_write", "write_json", "save_points", "load_points", "save_figure"]


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and rename the result to ``path`` (same filesystem)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_json(path: str | Path, data: dict) -> Path:
    return atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2,
                                                                 allow_nan=False) + "\n"))


def save_points(path: str | Path, points: np.ndarray, **extra: np.ndarray) -> Path:
    """Save ``points`` (n, d) to ``.npz`` (key ``points``, plus ``extra``) or ``.npy``."""
    path = Path(path)
    if path.suffix == ".npy":
        return atomic_write(path, lambda p: np.save(p, points))
    if path.suffix != ".npz":
        raise ValueError(f"--out {path}: use a .npz or .npy file name")
    return atomic_write(path, lambda p: np.savez(p, points=points, **extra))


def load_points(path: str | Path) -> np.ndarray:
    """Read a point cloud (n_points, n_dims) from ``.npy`` or ``.npz``.

    From an ``.npz`` the array named ``points`` is used, else the only array in it.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"points file {str(path)!r} does not exist")
    if path.suffix not in (".npy", ".npz"):
        raise ValueError(f"{path}: expected a .npy or .npz file")
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ValueError(f"{path}: not a readable numpy file ({exc})") from None
    if isinstance(data, np.lib.npyio.NpzFile):
        with data:
            names = data.files
            if "points" in names:
                data = data["points"]
            elif len(names) == 1:
                data = data[names[0]]
            else:
                raise ValueError(f"{path}: holds arrays {names}; name the cloud 'points'")
    points = np.asarray(data)
    if points.ndim != 2:
        raise ValueError(
            f"{path}: the array has shape {points.shape}; a point cloud needs shape "
            "(n_points, n_dims) - reshape 1-D data to (-1, 1)"
        )
    return points


def save_figure(fig, path: str | Path) -> Path:
    """Save a matplotlib figure atomically (format from the suffix: png, svg, pdf), then
    close it: the command line makes each figure once."""
    import matplotlib.pyplot as plt

    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    atomic_write(path, lambda p: fig.savefig(p, format=fmt, dpi=150, bbox_inches="tight"))
    plt.close(fig)
    return path
