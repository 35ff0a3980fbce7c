"""Pictures of belief dynamics: the simplex with its attractor, and MSP graphs.

Functions draw on a given matplotlib ``Axes`` (or a new figure) and never call
``plt.show()``, so they work headless and inside notebooks alike.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

__all__ = ["simplex_coordinates", "belief_colors", "plot_simplex", "draw_msp", "msp_layout"]


def _vertices(n: int) -> np.ndarray:
    """Corners of a regular (n-1)-simplex drawn in the plane: (n, 2)."""
    if n == 3:
        return np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
    angles = np.pi / 2 + 2 * np.pi * np.arange(n) / n
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def simplex_coordinates(beliefs: np.ndarray) -> np.ndarray:
    """Planar coordinates of beliefs: (m, n) -> (m, 2).

    Barycentric for ``n = 3`` (the triangle); for larger ``n`` the corners sit on a
    circle, a linear projection in which each vertex stays visible.
    """
    beliefs = np.asarray(beliefs, dtype=np.float64)
    return beliefs @ _vertices(beliefs.shape[1])


def belief_colors(beliefs: np.ndarray) -> np.ndarray:
    """RGB colour of each belief: (m, n) -> (m, 3); the first three coordinates,
    clipped to [0, 1] (beliefs of a generalized HMM may leave the simplex)."""
    beliefs = np.asarray(beliefs, dtype=np.float64)
    rgb = np.zeros((len(beliefs), 3))
    rgb[:, : min(3, beliefs.shape[1])] = beliefs[:, :3]
    rgb = np.clip(rgb, 0.0, None)
    peak = rgb.max(axis=1, keepdims=True)
    return np.divide(rgb, peak, out=np.zeros_like(rgb), where=peak > 0)


def plot_simplex(beliefs: np.ndarray, ax=None, s: float = 0.2, title: str | None = None,
                 colors: np.ndarray | None = None):
    """Scatter beliefs (m, n) in the simplex, coloured by belief; returns the Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    n = np.asarray(beliefs).shape[1]
    xy = simplex_coordinates(beliefs)
    corners = _vertices(n)
    outline = np.vstack([corners, corners[:1]])
    ax.plot(outline[:, 0], outline[:, 1], color="0.6", lw=0.8)
    ax.scatter(xy[:, 0], xy[:, 1], s=s, c=belief_colors(beliefs) if colors is None else colors,
               linewidths=0, rasterized=True)
    for i, (cx, cy) in enumerate(corners):
        ax.annotate(f"S{i}", (cx, cy), textcoords="offset points", xytext=(0, 4),
                    ha="center", fontsize=8, color="0.3")
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


# Node colours of the MSP drawing: start state, transient states, recurrent states.
_MSP_COLORS = {"start": "#e8871e", "transient": "#b9cbe8", "recurrent": "#1f3b73"}
# Graphs up to this many states get edge labels "symbol|probability".
_MSP_LABEL_LIMIT = 30


def msp_layout(graph: nx.DiGraph) -> dict:
    """Positions of MSP states in layers by depth from the start state, left to right.

    Column ``depth`` holds the states first reached after ``depth`` symbols (node
    attribute ``depth``). Within a column states are ordered by the mean height of
    their predecessors in earlier columns (the barycentre heuristic, one sweep), which
    keeps most edges from crossing, and spread evenly over [-1, 1].

    Parameters
    ----------
    graph : networkx.DiGraph
        An MSP from :func:`processes.mixed_state_presentation`.

    Returns
    -------
    dict
        Node -> ndarray of shape (2,): (depth, height).
    """
    layers: dict[int, list] = {}
    for node, depth in graph.nodes(data="depth"):
        layers.setdefault(int(depth), []).append(node)
    pos: dict = {}
    for depth in sorted(layers):
        def height(node, depth=depth):
            parents = [pos[p][1] for p in graph.predecessors(node)
                       if p in pos and pos[p][0] < depth]
            return (np.mean(parents) if parents else 0.0, str(node))

        column = sorted(layers[depth], key=height)
        heights = np.linspace(-1.0, 1.0, len(column) + 2)[1:-1] if len(column) > 1 else [0.0]
        for node, y in zip(column, heights, strict=True):
            pos[node] = np.array([float(depth), float(y)])
    return pos


def draw_msp(graph: nx.DiGraph, ax=None, with_labels: bool = True):
    """Draw a mixed-state presentation, laid out by depth from the start state.

    States sit in columns by their depth (symbols read since the start state, node
    attribute ``depth``), left to right (:func:`msp_layout`). The start state is
    orange, transient states light blue and recurrent states (node attribute
    ``recurrent``) dark blue; a legend says which is which. Graphs of at most 30
    states get every edge labelled ``symbol|probability`` (edge attributes ``symbols``
    and ``probs``; merged edges list each symbol); larger ones are drawn with small
    nodes and light, unlabelled edges. An MSP cut off before it closed (graph attribute
    ``finite`` False) says so in the title.

    Parameters
    ----------
    graph : networkx.DiGraph
        An MSP from :func:`processes.mixed_state_presentation`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new ``Figure`` (not pyplot's) is made when omitted.
    with_labels : bool, default=True
        Label the edges of small graphs.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (``ax.figure`` to save it).
    """
    from matplotlib.lines import Line2D

    n = graph.number_of_nodes()
    small = n <= _MSP_LABEL_LIMIT
    pos = msp_layout(graph)
    if ax is None:
        from matplotlib.figure import Figure

        depth = max((int(d) for _, d in graph.nodes(data="depth")), default=0)
        width = min(14.0, max(5.0, 1.3 * (depth + 1)))
        ax = Figure(figsize=(width, 4.5 if small else 6.0), layout="constrained").add_subplot()

    def kind(node):
        if graph.nodes[node].get("depth", 1) == 0:
            return "start"
        return "recurrent" if graph.nodes[node].get("recurrent") else "transient"

    nodes = list(graph.nodes)
    colors = [_MSP_COLORS[kind(v)] for v in nodes]
    node_size = 260 if small else max(12, 4000 // n)
    curve = "arc3,rad=0.12"
    nx.draw_networkx_edges(
        graph, pos, ax=ax, arrows=True, arrowsize=10 if small else 4,
        width=0.8 if small else 0.3, edge_color="0.35" if small else "0.7",
        alpha=1.0 if small else 0.5, connectionstyle=curve, node_size=node_size,
    )
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colors, node_size=node_size,
                           edgecolors="0.2", linewidths=0.5 if small else 0.2)
    if with_labels and small:
        labels = {(a, b): ", ".join(f"{x}|{p:.2g}" for x, p in zip(d["symbols"], d["probs"],
                                                                    strict=True))
                  for a, b, d in graph.edges(data=True)}
        nx.draw_networkx_edge_labels(graph, pos, edge_labels=labels, ax=ax, font_size=6,
                                     connectionstyle=curve, label_pos=0.4,
                                     bbox={"boxstyle": "round,pad=0.1", "fc": "white",
                                           "ec": "none", "alpha": 0.8})
    handles = [Line2D([], [], ls="", marker="o", ms=7, mfc=_MSP_COLORS[k], mec="0.2",
                      label=f"{k} state" if k == "start" else k)
               for k in ("start", "transient", "recurrent")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small",
              frameon=False)
    ax.set_xlabel("depth (symbols since the start state)")
    depths = sorted({int(d) for _, d in graph.nodes(data="depth")})
    ax.set_xticks(depths)
    ax.tick_params(left=False, labelleft=False, bottom=True, labelbottom=True)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_ylim(-1.15, 1.15)
    closed = graph.graph.get("finite", True)
    n_recurrent = sum(1 for _, r in graph.nodes(data="recurrent") if r)
    status = (f"{n} states, {n_recurrent} recurrent" if closed
              else f"{n} states shown; not finite (exploration stopped)")
    ax.set_title(f"MSP of {graph.graph.get('process', '')}: {status}")
    return ax
