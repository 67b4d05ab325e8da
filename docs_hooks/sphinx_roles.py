"""MkDocs hook: render the Sphinx cross-reference roles used in orgsim's docstrings.

Docstrings say ``:func:`compare``` and ``:class:`~orgsim.experiment.Experiment```, which
mkdocstrings renders as the literal text ":func:" before the code. This drops the role (and a
leading "~" path) so the reader sees just the name in code style.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:func|class|meth|attr|mod|data|obj|exc):<code>~?(?:[\w.]+\.)?([\w]+)</code>")


def on_page_content(html: str, **_: Any) -> str:
    return _ROLE.sub(r"<code>\1</code>", html)
