"""``python -m analysis.cli``: the same as the ``beliefscope`` script."""

import sys

from analysis.cli import main

__all__: list[str] = []

sys.exit(main())
