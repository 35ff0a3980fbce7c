"""draw_msp lays an MSP out by depth, marks recurrent states and adds a legend."""

import io

import matplotlib
import pytest

from dynamics.plots import draw_msp, msp_layout
from processes import get_process, mixed_state_presentation

matplotlib.use("Agg")


@pytest.mark.parametrize(("name", "kwargs", "finite"), [
    ("golden_mean", {}, True),
    ("mess3", {"max_states": 60}, False),
])
def test_draw_msp_runs_with_a_legend(name, kwargs, finite):
    graph = mixed_state_presentation(get_process(name), **kwargs)
    assert graph.graph["finite"] is finite
    ax = draw_msp(graph)
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["start state", "transient", "recurrent"]
    assert ("not finite" in ax.get_title()) is not finite
    # Small graphs get "symbol|p" edge labels, big ones none.
    labelled = any("|" in t.get_text() for t in ax.texts)
    assert labelled is (graph.number_of_nodes() <= 30)
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png")
    assert buffer.getvalue()[:4] == b"\x89PNG"


def test_layout_columns_are_depths():
    graph = mixed_state_presentation(get_process("even"))
    pos = msp_layout(graph)
    for node, depth in graph.nodes(data="depth"):
        assert pos[node][0] == depth and -1 <= pos[node][1] <= 1
