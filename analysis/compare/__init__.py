"""Compare a network's hidden states with the beliefs it should carry.

- `compare_dimensions`: information (D1) and correlation (D2) dimensions of the true
  belief cloud, of the probe's projection of the activations and of the activations'
  principal components (plus TwoNN and MLE), over the same prefixes, with their gaps;
  `attractor_dimensions`: D1 and D2 of the Blackwell measure itself (chaos game);
  `scatter_matched_dimensions`: D1 of the probe's reading against the Blackwell measure
  over the scales above the probe's scatter, with the attractor blurred by that scatter
  as the control;
- `rsa_correlation`, `linear_cka`: how much of the belief geometry the activations
  share (representational similarity of pairwise distances; weighted linear CKA);
- `equal_prediction_pairs`: prefixes with the same next-token distribution but different
  beliefs, and whether the activations tell them apart;
- `wasserstein_distance`: optimal-transport distance between two weighted clouds (the
  probe's projection and the Blackwell measure);
- `learned_graph`, `graph_metrics`, `draw_learned_graph`: the network's own transition
  graph (clustered hidden states, token edges) against the mixed-state presentation;
  `mixed_state_scores`: any clustering of the prefixes against their mixed states;
  `mixed_state_variance`: how much of the hidden states' variance their mixed state
  explains, against their position and the history beyond it;
- `rnn_lyapunov`, `rnn_fixed_points`: an RNN's token maps as an IFS, their Lyapunov
  spectrum and fixed points against the belief IFS's;
- `architecture_cka`, `emergence`, `plot_emergence`: geometry across architectures and
  over training (log-spaced checkpoints).

Names load on first use (PEP 562).
"""

from __future__ import annotations

from processes.lazy import lazy_exports

# Public name -> the module that owns it.
_EXPORTS = {
    "NOT_RECURRENT": "dynamics",
    "START": "graph",
    "LearnedGraph": "graph",
    "architecture_cka": "over_training",
    "attractor_dimensions": "geometry",
    "compare_dimensions": "geometry",
    "scatter_matched_dimensions": "geometry",
    "draw_learned_graph": "graph",
    "emergence": "over_training",
    "equal_prediction_pairs": "similarity",
    "graph_metrics": "graph",
    "learned_graph": "graph",
    "mixed_state_scores": "graph",
    "mixed_state_variance": "graph",
    "participation_ratio": "over_training",
    "plot_emergence": "over_training",
    "ridge_probe_r2": "over_training",
    "rnn_fixed_points": "dynamics",
    "rnn_lyapunov": "dynamics",
    "linear_cka": "similarity",
    "rsa_correlation": "similarity",
    "wasserstein_distance": "transport",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
