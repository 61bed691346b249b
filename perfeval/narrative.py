"""Chinese narrative and number formats (public).

Thin re-export of :mod:`perfeval._narrative`: ``fmt_wan`` (万元, 4 decimals),
``fmt_pct``, the paragraph builders returning :class:`Narrative` (text + the facts used).
"""
from __future__ import annotations

from ._narrative import *  # noqa: F401,F403
from ._narrative import __all__  # noqa: F401
