"""``python -m orgsim``: the command line."""

import sys

from orgsim.cli import main

sys.exit(main())
