"""Pictures of belief dynamics: the simplex with its attractor, and MSP graphs.

Functions draw on a given matplotlib ``Axes`` (or a new figure) and never call
``plt.show()``, so they work headless and inside notebooks alike.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

__all__ = ["simplex_coordinates", "belief_colors", "plot_simplex", "draw_msp"]


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


def draw_msp(graph: nx.DiGraph, ax=None, with_labels: bool = True):
    """Draw an MSP: nodes placed at their beliefs in the simplex, recurrent states dark,
    edges labelled ``symbol|p``; returns the Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    nodes = list(graph.nodes)
    beliefs = np.array([graph.nodes[v]["belief"] for v in nodes])
    xy = simplex_coordinates(beliefs)
    pos = {v: xy[i] for i, v in enumerate(nodes)}
    color = ["#1f3b73" if graph.nodes[v]["recurrent"] else "#9db4e0" for v in nodes]
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=color, node_size=120)
    nx.draw_networkx_edges(graph, pos, ax=ax, arrows=True, arrowsize=8, width=0.6,
                           connectionstyle="arc3,rad=0.15", node_size=120)
    if with_labels and graph.number_of_edges() <= 60:
        labels = {(a, b): ",".join(f"{x}|{p:.2g}" for x, p in zip(d["symbols"], d["probs"],
                                                                   strict=True))
                  for a, b, d in graph.edges(data=True)}
        nx.draw_networkx_edge_labels(graph, pos, edge_labels=labels, ax=ax, font_size=6,
                                     connectionstyle="arc3,rad=0.15")
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"MSP of {graph.graph.get('process', '')}: {graph.number_of_nodes()} states")
    return ax
