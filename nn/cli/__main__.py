"""``python -m nn.cli ...``: the same as the `micrograd-like` console script."""

import sys

from . import main

sys.exit(main())
