"""Report charts (public): matplotlib figures in the bundled CJK font.

Thin re-export of :mod:`perfeval._charts`; notebooks use ``from perfeval import charts``.
"""
from __future__ import annotations

from ._charts import *  # noqa: F401,F403
from ._charts import __all__  # noqa: F401
