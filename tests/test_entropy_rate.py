"""The one entropy-rate policy: exact where possible, else the more precise estimate,
never above the proven upper bound h(L)."""

import math

import numpy as np
import pytest

from dynamics import chaos_game, entropy_rate
from dynamics.entropy import geometric_tail
from processes import get_process, myopic_entropies


@pytest.mark.parametrize(("name", "params", "bits"), [
    ("golden_mean", {}, 2 / 3),            # unifilar
    ("rrxor", {}, 2 / 3),                  # unifilar
    ("nemo", {"p": 0.5, "q": 0.5}, 0.75),  # nonunifilar, finite recurrent MSP
])
def test_exact_where_a_finite_unifilar_presentation_exists(name, params, bits):
    rate = entropy_rate(get_process(name, **params))
    assert rate.method == "exact" and rate.stderr_bits == 0
    assert rate.bits == pytest.approx(bits, abs=1e-12)


def test_geometric_tail_recovers_the_limit_of_a_geometric_sequence():
    L = np.arange(1, 12)
    h = 0.7 + 0.3 * 0.4**L
    value, error = geometric_tail(h)
    assert value == pytest.approx(0.7, abs=1e-12) and error < 1e-11


def test_geometric_tail_refuses_a_power_law():
    # h(L) = 1 + 1/L converges, but not geometrically: no extrapolation is offered.
    L = np.arange(1, 12)
    assert geometric_tail(1 + 1 / L) is None


@pytest.mark.slow
def test_mess3_uses_the_extrapolated_tail_and_it_is_right():
    p = get_process("mess3", x=0.05, a=0.85)
    short = entropy_rate(p, max_length=11, seed=0)
    long = entropy_rate(p, max_length=14, seed=0)
    assert short.method == long.method == "myopic-extrapolated"
    # The extrapolation from L = 11 predicts the better one from L = 14 within its error.
    assert abs(short.bits - long.bits) <= 3 * short.stderr_bits
    assert long.bits <= long.upper_bound_bits == pytest.approx(myopic_entropies(p, 14)[-1])
    assert long.upper_bound_length == 14
    # An independent path: the chaos game over the Blackwell measure.
    game = chaos_game(p, 400_000, seed=3).entropy_rate()
    assert abs(game.bits - long.bits) < 4 * game.stderr_bits
    # And more precise than that chaos game, which is why it was chosen.
    assert long.stderr_bits < game.stderr_bits


def test_sns_falls_back_to_the_blackwell_estimate_below_the_bound():
    p = get_process("sns", p=0.2, q=0.6)
    rate = entropy_rate(p, max_length=12, seed=1)
    assert rate.bits <= rate.upper_bound_bits
    assert 0 < rate.stderr_bits < 1e-2 and math.isfinite(rate.bits)
    if rate.method == "blackwell":
        game = chaos_game(p, 200_000, seed=1).entropy_rate()
        assert rate.bits == pytest.approx(min(game.bits, rate.upper_bound_bits))
