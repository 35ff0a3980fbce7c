#!/usr/bin/env bash
# The Lyapunov (statistical complexity) dimension of Mess3's belief IFS over a grid of
# (x, a), as a heat map. Expected runtime on a 2-core laptop CPU: about 4 minutes
# (56 points of 20000 steps, two at a time). Output: runs/sweep_mess3/results.csv and
# heatmap.png. Interrupt it at any time: a rerun skips the finished points.
# Scale out with --scheduler tcp://HOST:8786 (README, "Sweeps").
set -euo pipefail
cd "$(dirname "$0")/.."
make --quiet .venv/.installed
spec=$(mktemp --suffix=.toml)
trap 'rm -f "$spec"' EXIT
cat > "$spec" <<'TOML'
command = "lyapunov"
process = "mess3"
[options]
steps = 20000
[grid]
x = [0.02, 0.05, 0.08, 0.11, 0.14, 0.17, 0.2, 0.23]
a = [0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9]
TOML
.venv/bin/beliefscope sweep "$spec" --out runs/sweep_mess3 --jobs 2
echo "heat map: runs/sweep_mess3/heatmap.png"
