"""MkDocs hook: the notebooks are executed when the site is built, at a size fit for the docs.

mkdocs-jupyter runs every notebook of ``notebooks/`` (``execute: true`` in ``mkdocs.yml``, a
notebook that raises fails the build), so each page shows the tables and figures the code
makes today and can never show stale ones; the notebooks stay stored without outputs. Each
notebook reads its size from the environment in its first code cell: this hook sets
:data:`DOCS_SIZE` (5 replications, the fewest whose intervals orgsim calls reliable, and 8
sensitivity samples) unless the variables are set already, so the whole build stays within a
few minutes on two cores. Set ``ORGSIM_REPLICATIONS=10`` before ``mkdocs build`` for the
notebooks' full size.
"""

from __future__ import annotations

import os
from typing import Any

#: The environment the notebooks are executed with, unless set already.
DOCS_SIZE = {"ORGSIM_REPLICATIONS": "5", "ORGSIM_SAMPLES": "8"}


def on_config(config: Any, **_: Any) -> Any:
    for key, value in DOCS_SIZE.items():
        os.environ.setdefault(key, value)  # inherited by the kernels mkdocs-jupyter starts
    return config
