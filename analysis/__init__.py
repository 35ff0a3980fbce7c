"""Networks, probes, metrics, comparison and the command line."""
