#!/usr/bin/env bash
# The belief-geometry paper's figures (Shai et al. 2024) on a laptop CPU:
# Mess3 (x = 0.05, a = 0.85) and RRXOR (0.5, 0.5), each trained, probed and compared.
# Expected runtime on a 2-core laptop CPU: about 5 minutes for Mess3 and 3 for RRXOR.
# Outputs: runs/paper/mess3/ and runs/paper/rrxor/ (metrics.json, report.md, figures).
# Rerunning resumes the training and redraws the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
make --quiet .venv/.installed
.venv/bin/beliefscope reproduce mess3 --param x=0.05 --param a=0.85 --out runs/paper/mess3
.venv/bin/beliefscope reproduce rrxor --out runs/paper/rrxor
echo "figures and reports: runs/paper/mess3/report.md runs/paper/rrxor/report.md"
