"""A recurrent network's hidden-state dynamics against the belief dynamics it should learn.

Driven by tokens, an RNN's update ``x_{t+1} = F_u(x_t)`` is an iterated function system
just as Bayes' rule ``eta_{t+1} = f_u(eta_t)`` is (`dynamics.BeliefIFS`). Both are run
through the one engine of `dynamics`:

- `rnn_lyapunov`: the Lyapunov spectrum of the token maps along orbits driven by tokens
  sampled from the process, and its Kaplan-Yorke (Lyapunov) dimension with the entropy
  rate of those tokens, beside the belief IFS's own (the statistical complexity
  dimension of ``docs/conventions.md``). The two need not agree even for a network whose
  probe reads the beliefs perfectly: the RNN's dimension counts every direction of its
  state, and a network trained on short windows may forget more slowly than Bayes' rule
  along directions the probe ignores (a GRU on Mess3 at x 0.05, a 0.85, probe R² 0.9995:
  top exponent -0.24 against the beliefs' -1.53 nats per token, dimension 3.1 against
  0.52). Beyond ``n_ctx`` tokens the orbits run where training never constrained the map.
- `rnn_fixed_points`: each token map's fixed points, read through a linear probe (hidden
  state -> belief) and set beside the belief maps' fixed points. Repeating one token drives
  both systems to the stable fixed point of its map, so a network that tracks beliefs
  should put its stable point where the probe reads the belief map's stable point.

Exponents are in nats per token; the entropy rate in nats per token.
"""

from __future__ import annotations

import numpy as np

from analysis.io import json_number
from dynamics import (
    BeliefIFS,
    belief_coordinates,
    belief_lyapunov_spectrum,
    fixed_points,
    iterate,
    lyapunov_dimension,
    lyapunov_spectrum,
)
from processes import Process, generate
from processes.errors import InputError

__all__ = ["NOT_RECURRENT", "rnn_fixed_points", "rnn_lyapunov"]

NOT_RECURRENT = ("Lyapunov spectra and fixed points are defined for recurrent token maps; a "
                 "transformer reads its whole window at once and carries no state")
"""The reason given for every RNN quantity of a network without ``token_map``."""

# Exponents reported individually; the Kaplan-Yorke sum and the total use all of them.
_TOP = 4
# Margin, as a fraction of each axis's visited range, around the hidden states seen on
# data, for the Newton starts of `rnn_fixed_points`.
_MARGIN = 0.25


def _numbers(values) -> list:
    return [json_number(v) for v in np.asarray(values, dtype=float)]


def _is_recurrent(model) -> bool:
    return callable(getattr(model, "token_map", None))


def _token_map(model, process: Process):
    """``model.token_map()``, refused when the process emits tokens the network never reads."""
    token_map = model.token_map()
    if process.n_symbols > token_map.n_inputs:
        raise InputError(f"{process.name} emits {process.n_symbols} symbols but the network "
                         f"reads only {token_map.n_inputs} tokens; train it on this process")
    return token_map


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise InputError(f"{name} must be a positive integer, got {value!r}")


def rnn_lyapunov(model, process: Process, *, n_orbits: int = 8, n_steps: int = 2_000,
                 burn_in: int = 200, belief_steps: int = 20_000, tokens=None,
                 seed: int | np.random.Generator | None = 0) -> dict:
    """Lyapunov spectrum and dimension of a recurrent network's token maps, driven by the
    process, beside those of the process's belief IFS.

    Each orbit starts at ``model.initial_state()`` and reads its own sequence of
    ``burn_in + n_steps`` tokens drawn from ``process`` (`processes.generate`, from the
    stationary ``pi``); the first ``burn_in`` steps align the tangent frames and let the
    state forget its start. Orbits run far past the training context (``n_ctx``): the
    spectrum is the asymptotic behaviour of the learned update.

    The RNN's dimension is the Kaplan-Yorke sum over *all* its exponents (``state_dim``
    of them, e.g. 64, against ``n_states - 1`` for the beliefs) with the entropy of its
    random inputs, the process's entropy rate ``h``: ``d = k + (h + lambda_1 + ... +
    lambda_k) / |lambda_{k+1}|`` (`dynamics.lyapunov_dimension`). ``h`` is the belief run's
    Blackwell average of ``H[p(eta)]``, so both dimensions use the same estimate of it.

    Parameters
    ----------
    model : RecurrentNetwork or any network
        A network with ``token_map()`` and ``initial_state()``; any other (a transformer)
        gets ``None`` for every RNN quantity, with the reason `NOT_RECURRENT`.
    process : Process
        The process whose tokens drive the network; its symbols must be tokens the
        network reads.
    n_orbits : int, default=8
        Independent RNN orbits (one token sequence each); the error is taken across them.
    n_steps : int, default=2000
        Tokens averaged per RNN orbit after the burn-in.
    burn_in : int, default=200
        Tokens read first and discarded.
    belief_steps : int, default=20000
        Symbols averaged per orbit of the belief IFS (16 orbits, `dynamics.
        belief_lyapunov_spectrum`); 2-dimensional, so far cheaper per step than the RNN.
    tokens : array_like, shape (n_orbits, burn_in + n_steps), optional
        The driving sequences, int; default drawn from ``process``. Given, they should be
        typical of the process: ``h`` is still the process's entropy rate.
    seed : int, numpy.random.Generator or None, default=0
        Randomness for the token sequences and the belief orbits.

    Returns
    -------
    dict
        JSON-ready (every ``None`` has a ``<key>_reason``; an exponent ``-inf`` is "-inf"):

        - ``rnn_lyapunov_spectrum_nats``, ``rnn_lyapunov_spectrum_error_nats``: the largest
          four exponents (nats per token, descending) and their one-sigma errors;
        - ``rnn_lyapunov_sum_nats``: the sum of all exponents, the mean ``log |det J|``
          of the token maps along the orbits (volume contraction per token);
        - ``rnn_lyapunov_n_exponents``: how many there are (the state dimension);
        - ``rnn_lyapunov_dimension``: Kaplan-Yorke dimension with ``h``;
        - ``rnn_lyapunov_converged`` (bool) and ``rnn_lyapunov_converged_reason``;
        - ``belief_lyapunov_spectrum_nats``, ``belief_lyapunov_spectrum_error_nats``: all
          ``n_states - 1`` exponents of the belief IFS;
        - ``belief_lyapunov_dimension``: its Lyapunov dimension, the statistical
          complexity dimension (an upper bound on the Blackwell measure's D1 where the
          maps fold onto each other);
        - ``belief_lyapunov_converged`` and ``belief_lyapunov_converged_reason``;
        - ``entropy_rate_nats``, ``entropy_rate_stderr_nats``: ``h``;
        - ``n_orbits``, ``n_steps``, ``burn_in``.

    Raises
    ------
    InputError
        For a non-positive count, or a process with more symbols than the network reads.
    DivergenceError
        If a hidden state becomes non-finite.
    """
    _check_positive(n_orbits=n_orbits, n_steps=n_steps, belief_steps=belief_steps)
    if isinstance(burn_in, bool) or not isinstance(burn_in, int | np.integer) or burn_in < 0:
        raise InputError(f"burn_in must be an integer >= 0, got {burn_in!r}")
    rng = np.random.default_rng(seed)
    belief = belief_lyapunov_spectrum(process, n_steps=belief_steps, seed=rng)
    h = float(belief.entropy_nats)
    info: dict = {}
    if _is_recurrent(model):
        token_map = _token_map(model, process)
        if tokens is None:
            tokens = generate(process, n_orbits, burn_in + n_steps, seed=rng).tokens
        tokens = np.asarray(tokens)
        if tokens.size and (tokens.min() < 0 or tokens.max() >= token_map.n_inputs):
            raise InputError(f"tokens must lie in 0..{token_map.n_inputs - 1}, the network's "
                             f"vocabulary; got {tokens.min()}..{tokens.max()}")
        rnn = lyapunov_spectrum(token_map, model.initial_state(), inputs=tokens,
                                n_steps=n_steps, burn_in=burn_in, n_orbits=n_orbits, seed=rng)
        info.update({
            "rnn_lyapunov_spectrum_nats": _numbers(rnn.exponents_nats[:_TOP]),
            "rnn_lyapunov_spectrum_error_nats": _numbers(rnn.error_nats[:_TOP]),
            "rnn_lyapunov_sum_nats": json_number(rnn.exponents_nats.sum()),
            "rnn_lyapunov_n_exponents": len(rnn.exponents_nats),
            "rnn_lyapunov_dimension": json_number(lyapunov_dimension(rnn.exponents_nats, h)),
            "rnn_lyapunov_converged": bool(rnn.converged),
            "rnn_lyapunov_converged_reason": rnn.converged_reason,
        })
    else:
        keys = ("spectrum_nats", "spectrum_error_nats", "sum_nats", "n_exponents",
                "dimension", "converged")
        for key in keys:
            info[f"rnn_lyapunov_{key}"] = None
            info[f"rnn_lyapunov_{key}_reason"] = NOT_RECURRENT
    info.update({
        "belief_lyapunov_spectrum_nats": _numbers(belief.exponents_nats),
        "belief_lyapunov_spectrum_error_nats": _numbers(belief.error_nats),
        "belief_lyapunov_dimension": json_number(belief.dimension),
        "belief_lyapunov_converged": bool(belief.converged),
        "belief_lyapunov_converged_reason": belief.converged_reason,
        "entropy_rate_nats": h,
        "entropy_rate_stderr_nats": json_number(belief.entropy_stderr_nats),
        "n_orbits": n_orbits, "n_steps": n_steps, "burn_in": burn_in,
    })
    return _explain(info, "a spectrum with a non-finite sum has no Kaplan-Yorke dimension")


def _explain(info: dict, reason: str) -> dict:
    """Drop ``<key>_reason`` entries that are None (nothing to explain) and give every
    remaining None, alone or in a list, a reason."""
    for key in [k for k, v in info.items() if k.endswith("_reason") and v is None]:
        del info[key]
    for key, value in list(info.items()):
        if (value is None or (isinstance(value, list) and None in value)) \
                and f"{key}_reason" not in info:
            info[f"{key}_reason"] = reason
    return info


def _probe_features(model, states: np.ndarray, n_features: int) -> np.ndarray:
    """What a probe with ``n_features`` inputs reads from token-map states (m, state_dim):
    the whole state, or, for an LSTM (whose state also holds the cell states ``c``), the
    hidden states ``h`` of every layer side by side (the probes' concatenation of
    ``rnn.{l}.hook_hidden``) or of the top layer alone."""
    if n_features == states.shape[1]:
        return states
    config = getattr(model, "config", None)
    d, n_layers = getattr(config, "d_hidden", None), getattr(config, "n_layers", None)
    if d is not None and n_layers is not None:
        width = states.shape[1] // n_layers  # a layer's h, then (LSTM) its c
        hidden = [states[:, l * width:l * width + d] for l in range(n_layers)]
        if n_features == n_layers * d:
            return np.concatenate(hidden, axis=1)
        if n_features == d:
            return hidden[-1]
    raise InputError(f"probe_coef has {n_features} rows; the network's state has "
                     f"{states.shape[1]} dimensions: fit the probe on the whole state, on "
                     "every layer's rnn.{l}.hook_hidden side by side, or on the top layer's")


def _probe_image(process: Process, coef: np.ndarray, intercept: np.ndarray):
    """The probe as a function of features, and the belief map's points in the same
    space: beliefs (n,) when the probe outputs beliefs, else chart coordinates (n - 1,)."""
    n = process.n_states
    if coef.ndim != 2 or coef.shape[1] not in (n, n - 1) or intercept.shape != coef.shape[1:]:
        raise InputError(f"probe_coef must be (n_features, {n}) for beliefs or (n_features, "
                         f"{n - 1}) for belief-chart coordinates, with probe_intercept "
                         f"({n},) or ({n - 1},) to match; got {coef.shape} and "
                         f"{intercept.shape}")
    if coef.shape[1] == n:
        return lambda eta: np.asarray(eta, dtype=float)
    return lambda eta: belief_coordinates(process, np.atleast_2d(eta))[0]


def rnn_fixed_points(model, process: Process, probe_coef, probe_intercept, *,
                     n_starts: int = 32, bounds=None, n_data_steps: int = 256,
                     seed: int | np.random.Generator | None = 0) -> dict:
    """Each token map's fixed points, read through a linear probe, against the belief maps'.

    For every token ``u`` (symbol of the process): the fixed points of the RNN's map
    ``F_u`` (`dynamics.fixed_points`, Newton from ``n_starts`` starts) and of the belief
    map ``f_u`` (the same search in the belief chart), each with its stability; the RNN's
    points are mapped through the probe ``x -> x @ probe_coef + probe_intercept``.

    Parameters
    ----------
    model : RecurrentNetwork
        A network with ``token_map()``; any other gets ``None`` with `NOT_RECURRENT`.
    process : Process
    probe_coef : array_like, shape (n_features, n_states) or (n_features, n_states - 1)
        A linear probe from hidden states to beliefs (``eta r = 1``) or to belief-chart
        coordinates (`dynamics.belief_coordinates`); distances are the same in both, since
        the chart is an isometry. ``n_features`` is ``state_dim``, or for an LSTM every
        layer's ``h`` (``n_layers * d_hidden``) or the top layer's (``d_hidden``).
    probe_intercept : array_like, shape (n_states,) or (n_states - 1,)
    n_starts : int, default=32
        Newton starts per token.
    bounds : array_like, shape (state_dim, 2), optional
        Box the starts are drawn from. Default: the range of the hidden states visited on
        ``n_data_steps`` tokens of 16 sequences from the process, widened by a quarter on
        each side (the learned maps matter where the data takes them; a fixed box of
        [-10, 10] would waste starts on saturated units).
    n_data_steps : int, default=256
        Tokens per sequence for the default ``bounds``.
    seed : int, numpy.random.Generator or None, default=0
        Randomness for the data sequences and the Newton starts.

    Returns
    -------
    dict
        JSON-ready. ``tokens``: a list with, for each token,

        - ``token``;
        - ``rnn_fixed_points``: ``{"probe_image", "stability", "spectral_radius"}`` for
          every fixed point of ``F_u`` found (``spectral_radius`` the largest
          ``|eigenvalue|`` of its Jacobian: below 1 is stable);
        - ``belief_fixed_points``: ``{"belief", "stability", "spectral_radius"}`` for every
          fixed point of ``f_u`` (the belief as a row vector, ``eta r = 1``; the tangent
          map's eigenvalues on the belief plane);
        - ``distance``: the smallest distance between the probe image of a stable RNN
          fixed point and a stable belief fixed point (in belief units), or None with
          ``distance_reason`` when one side has no stable point;
        - ``both_stable``: whether both maps have a stable fixed point.

        And ``probe_space``: "belief" or "belief_chart", the space of ``probe_image``.

    Raises
    ------
    InputError
        For a probe whose shape fits neither the network nor the process.
    """
    if not _is_recurrent(model):
        return {"tokens": None, "tokens_reason": NOT_RECURRENT}
    _check_positive(n_starts=n_starts, n_data_steps=n_data_steps)
    token_map = _token_map(model, process)
    coef = np.asarray(probe_coef, dtype=float)
    intercept = np.asarray(probe_intercept, dtype=float).reshape(-1)
    in_probe_space = _probe_image(process, coef, intercept)
    rng = np.random.default_rng(seed)
    if bounds is None:
        tokens = generate(process, 16, n_data_steps, seed=rng).tokens
        visited = iterate(token_map, np.tile(model.initial_state(), (16, 1)), n_data_steps,
                          inputs=tokens).reshape(-1, token_map.dim)
        low, high = visited.min(axis=0), visited.max(axis=0)
        pad = _MARGIN * (high - low) + 1e-3
        bounds = np.stack([low - pad, high + pad], axis=1)

    def image(points: np.ndarray) -> np.ndarray:  # (m, state_dim) -> (m, probe outputs)
        return _probe_features(model, points, coef.shape[0]) @ coef + intercept

    belief_ifs = BeliefIFS(process)
    per_token = []
    for u in range(process.n_symbols):
        rnn = fixed_points(token_map, input=u, bounds=bounds, n_starts=n_starts, seed=rng,
                           symbolic=False)
        belief = fixed_points(belief_ifs, input=u, n_starts=n_starts, seed=rng,
                              symbolic=False)
        images = image(np.array([p.point for p in rnn])) if rnn else np.zeros((0, 0))
        stable_images = [im for im, p in zip(images, rnn, strict=True)
                         if p.stability == "stable"]
        stable_beliefs = [in_probe_space(p.point) for p in belief if p.stability == "stable"]
        entry = {
            "token": u,
            "rnn_fixed_points": [
                {"probe_image": im.tolist(), "stability": p.stability,
                 "spectral_radius": float(np.abs(p.eigenvalues).max())}
                for im, p in zip(images, rnn, strict=True)],
            "belief_fixed_points": [
                {"belief": p.point.tolist(), "stability": p.stability,
                 "spectral_radius": float(np.abs(p.eigenvalues).max())}
                for p in belief],
            "both_stable": bool(stable_images and stable_beliefs),
        }
        if entry["both_stable"]:
            entry["distance"] = float(min(np.linalg.norm(a - b) for a in stable_images
                                          for b in stable_beliefs))
        else:
            side = "the network's" if not stable_images else "the belief"
            entry["distance"] = None
            entry["distance_reason"] = (f"{side} map of token {u} has no stable fixed point "
                                        "(within the searched box)")
        per_token.append(entry)
    return {"tokens": per_token,
            "probe_space": "belief" if coef.shape[1] == process.n_states else "belief_chart"}
