"""Atomic file output and point-cloud input for the CLI and the pipelines.

Every artifact is written to a temporary file in the destination folder and renamed into
place, so an interrupted run never leaves a truncated file where a complete one should be.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from processes.errors import InputError

__all__ = ["NEG_INF", "json_number", "atomic_write", "write_json", "save_points", "load_points",
           "save_figure", "save_graph",
           "PointsError", "MIN_POINTS"]


NEG_INF = "-inf"
"""How JSON output writes an exponent of exactly -inf (JSON has no infinities)."""


def json_number(value) -> float | str | None:
    """``value`` as a JSON number; ``-inf`` as the string ``"-inf"``; NaN and ``+inf``
    as None (the caller gives the reason; `analysis.reports.explain_nulls`)."""
    if value is None:
        return None
    value = float(value)
    if math.isfinite(value):
        return value
    return NEG_INF if value == -math.inf else None


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    except OverflowError:
        return False
    return True


def _remove_stale_temporaries(path: Path) -> None:
    """Delete ``.NAME.PID.*.tmpSUFFIX`` files left for ``path`` by runs that died (kill -9
    leaves no chance to clean up); a temporary whose writer is still alive is kept."""
    prefix = f".{path.name}."
    try:
        candidates = list(path.parent.iterdir())
    except OSError:
        return
    for tmp in candidates:
        name = tmp.name
        if not (name.startswith(prefix) and name.endswith(f".tmp{path.suffix}")):
            continue
        pid = name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            try:
                tmp.unlink()
            except OSError:
                pass  # another run cleaned it first, or we may not delete it: harmless


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and rename the result to ``path`` (same filesystem).

    The temporary is ``.NAME.PID.RANDOM.tmpSUFFIX`` next to ``path``; temporaries of
    ``path`` whose PID is no longer running (a run killed with -9) are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.",
                               suffix=f".tmp{path.suffix}")
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
        raise InputError(f"--out {path}: use a .npz or .npy file name")
    return atomic_write(path, lambda p: np.savez(p, points=points, **extra))


class PointsError(InputError):
    """A points file is not a usable point cloud; the message says why and what to do."""


# Fewer points than this give no scaling range for any of the dimension estimators.
MIN_POINTS = 50
# Coordinates beyond this overflow squared distances (1e300**2 is inf); rescale first.
MAX_ABS_COORDINATE = 1e100
# A cloud larger than this (bytes, as float64) is refused rather than loaded.
MAX_CLOUD_BYTES = 8 * 2**30


def _check_npy_header(handle, available: int, label: str) -> None:
    """Read the ``.npy`` header from ``handle`` and refuse a dtype or shape that cannot
    be a point cloud, or a shape the ``available`` bytes cannot hold, before numpy
    allocates the array the header claims."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(handle)
        else:
            raise PointsError(f"unsupported .npy format version {version}")
    except (ValueError, OSError, SyntaxError, EOFError) as exc:
        raise PointsError(f"{label}: not a readable .npy array ({exc}); save the cloud "
                         "with numpy.save") from None
    _check_dtype(dtype, label)
    need = math.prod(shape) * dtype.itemsize
    have = available - handle.tell()
    if need > have:
        raise PointsError(
            f"{label}: the header claims shape {shape} ({need} bytes) but only {have} "
            "bytes follow; the file is truncated or corrupt - save it again"
        )
    if need > MAX_CLOUD_BYTES:
        raise PointsError(f"{label}: shape {shape} needs {need / 2**30:.1f} GiB; clouds are "
                         f"limited to {MAX_CLOUD_BYTES // 2**30} GiB - subsample it first")


def _check_dtype(dtype: np.dtype, label: str) -> None:
    if dtype.fields is not None:
        raise PointsError(f"{label}: a structured array (fields {list(dtype.names)}); save "
                         "the coordinates as a plain (n_points, n_dims) float array")
    if dtype.kind == "c":
        raise PointsError(f"{label}: complex values; save real coordinates (e.g. stack "
                         "the real and imaginary parts as two columns)")
    if dtype.kind not in "biuf":
        raise PointsError(f"{label}: values of type {dtype} are not numbers; save a float "
                         "array of shape (n_points, n_dims)")


def load_points(path: str | Path) -> np.ndarray:
    """Read a point cloud (n_points, n_dims) from ``.npy`` or ``.npz`` as float64.

    From an ``.npz`` the array named ``points`` is used, else the only array in it.
    Raises `ValueError` naming the problem for anything that is not a cloud of at least
    `MIN_POINTS` finite, real points of moderate magnitude (`MAX_ABS_COORDINATE`); the
    header is checked against the file size before anything is allocated.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"points file {str(path)!r} does not exist")
    if not path.is_file():
        raise PointsError(f"{path} is not a regular file; give a .npy or .npz file")
    if path.suffix not in (".npy", ".npz"):
        raise PointsError(f"{path}: expected a .npy or .npz file")
    try:
        if path.suffix == ".npy":
            with path.open("rb") as handle:
                _check_npy_header(handle, path.stat().st_size, str(path))
            data = np.load(path, allow_pickle=False)
        else:
            data = _load_npz(path)
    except PointsError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise PointsError(f"{path}: not a readable numpy file ({exc})") from None
    points = np.asarray(data)
    _check_dtype(points.dtype, str(path))
    if points.ndim != 2:
        raise PointsError(
            f"{path}: the array has shape {points.shape}; a point cloud needs shape "
            "(n_points, n_dims) - reshape 1-D data to (-1, 1)"
        )
    if points.shape[1] == 0:
        raise PointsError(f"{path}: the points have no coordinates (shape {points.shape})")
    if len(points) < MIN_POINTS:
        raise PointsError(f"{path}: {len(points)} points; the dimension estimates need at "
                         f"least {MIN_POINTS} (thousands for a reliable scaling range)")
    points = points.astype(np.float64, copy=False)
    bad = ~np.isfinite(points).all(axis=1)
    if bad.any():
        raise PointsError(f"{path}: {int(bad.sum())} points have NaN or infinite "
                         f"coordinates (first: row {int(np.argmax(bad))}); drop them first")
    biggest = float(np.abs(points).max())
    if biggest > MAX_ABS_COORDINATE:
        raise PointsError(f"{path}: a coordinate of magnitude {biggest:.3g} overflows distance "
                         f"computations; rescale the cloud below {MAX_ABS_COORDINATE:g}")
    return points


def _load_npz(path: Path) -> np.ndarray:
    """The cloud in an ``.npz``: ``points``, else its only array; headers are checked
    against the members' sizes before reading."""
    with np.load(path, allow_pickle=False) as data:
        names = data.files
        if "points" in names:
            name = "points"
        elif len(names) == 1:
            name = names[0]
        else:
            raise PointsError(f"{path}: holds arrays {names}; name the cloud 'points'")
        member = f"{name}.npy"
        label = f"{path} (array {name!r})"
        with data.zip.open(member) as handle:
            _check_npy_header(handle, data.zip.getinfo(member).file_size, label)
        return data[name]


def save_figure(fig, path: str | Path) -> Path:
    """Save a matplotlib figure atomically (format from the suffix: png, svg, pdf), then
    close it: the command line makes each figure once."""
    import matplotlib.pyplot as plt

    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    atomic_write(path, lambda p: fig.savefig(p, format=fmt, dpi=150, bbox_inches="tight"))
    plt.close(fig)
    return path


def save_graph(graph, path: str | Path) -> Path:
    """Write the MSP as GraphML (tuples become JSON strings) or node-link JSON."""
    import networkx as nx

    path = Path(path)
    if path.suffix == ".json":
        data = nx.node_link_data(graph, edges="edges")
        return atomic_write(path, lambda p: p.write_text(json.dumps(data, default=str)))
    if path.suffix != ".graphml":
        raise InputError(f"--out {path}: use a .graphml or .json file name")
    flat = nx.DiGraph(**{k: v for k, v in graph.graph.items()})
    for v, d in graph.nodes(data=True):
        flat.add_node(v, **{k: json.dumps([str(x) for x in val]) if isinstance(val, tuple)
                            else val for k, val in d.items()})
    for a, b, d in graph.edges(data=True):
        flat.add_edge(a, b, **{k: json.dumps(list(val)) if isinstance(val, tuple) else val
                               for k, val in d.items()})
    return atomic_write(path, lambda p: nx.write_graphml(flat, p))
