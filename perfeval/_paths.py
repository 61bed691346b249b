"""Every path perfeval uses, in one place.

The repository layout is ``perfeval/`` (this package), ``data/`` (datasets; the
embedded default in ``data/default``), ``notebooks/`` (report notebooks) and
``exports/`` (generated reports, ignored by git).
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR: Path = Path(__file__).resolve().parent
REPO_ROOT: Path = PACKAGE_DIR.parent
DATA_DIR: Path = REPO_ROOT / "data"
DEFAULT_DATASET: Path = DATA_DIR / "default"
NOTEBOOKS_DIR: Path = REPO_ROOT / "notebooks"
#: Where reports go unless ``-o`` says otherwise; ``PERFEVAL_EXPORTS`` overrides it.
EXPORTS_DIR: Path = Path(os.environ.get("PERFEVAL_EXPORTS", REPO_ROOT / "exports"))
FRAMEWORKS_DIR: Path = PACKAGE_DIR / "frameworks"
FONTS_DIR: Path = PACKAGE_DIR / "fonts"

__all__ = [
    "PACKAGE_DIR",
    "REPO_ROOT",
    "DATA_DIR",
    "DEFAULT_DATASET",
    "NOTEBOOKS_DIR",
    "EXPORTS_DIR",
    "FRAMEWORKS_DIR",
    "FONTS_DIR",
]
