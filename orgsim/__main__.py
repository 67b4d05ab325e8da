"""``python -m orgsim``: the command line."""

import sys

from orgsim.present.cli import main

sys.exit(main())
