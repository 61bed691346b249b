"""The explorer (public): :class:`Explorer`, shown by ``notebooks/04_explore.ipynb``
and served as a web app by ``perfeval explore``.

Thin re-export of :mod:`perfeval._explore`.
"""
from __future__ import annotations

from ._explore import EXPORT_SUBDIR, NO_PRIOR, ROLLUP_MARK, Explorer, serve

__all__ = ["Explorer", "serve", "NO_PRIOR", "ROLLUP_MARK", "EXPORT_SUBDIR"]
