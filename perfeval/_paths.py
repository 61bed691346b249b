"""Every path perfeval uses, in one place.

perfeval runs from two layouts:

* **a checkout** (``pip install -e .``, or ``PYTHONPATH`` pointing at it): the
  repository holds ``perfeval/`` (this package), ``data/default`` (the embedded
  dataset), ``notebooks/`` (report notebooks) and ``exports/`` (generated
  reports, ignored by git);
* **an installed wheel**: the build copies ``notebooks/`` and ``data/default``
  into the package (``perfeval/notebooks``, ``perfeval/data/default``; see
  ``setup.py``), so they are found with :mod:`importlib.resources` beside the
  fonts and frameworks; reports go to ``exports/`` in the current directory.

The packaged copy wins when it exists; a checkout never has one (the build
writes it into ``build/``, never into the source tree).
"""
from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

PACKAGE_DIR: Path = Path(str(files("perfeval"))).resolve()
#: The checkout's root (the folder holding ``perfeval/``); in an installed wheel, site-packages.
REPO_ROOT: Path = PACKAGE_DIR.parent


def _resource(packaged: str, checkout: str) -> Path:
    """The installed copy of a data folder if the wheel has one, else the checkout's."""
    inside = PACKAGE_DIR / packaged
    return inside if inside.is_dir() else REPO_ROOT / checkout


#: True when running from a source checkout (notebooks and data beside the package).
IN_CHECKOUT: bool = not (PACKAGE_DIR / "notebooks").is_dir() and (REPO_ROOT / "notebooks").is_dir()
DATA_DIR: Path = _resource("data", "data")
DEFAULT_DATASET: Path = DATA_DIR / "default"
NOTEBOOKS_DIR: Path = _resource("notebooks", "notebooks")
#: Where reports go unless ``-o`` says otherwise; ``PERFEVAL_EXPORTS`` overrides it.
#: A checkout writes into its own ``exports/``; an installed perfeval into ``./exports``.
EXPORTS_DIR: Path = Path(os.environ.get("PERFEVAL_EXPORTS") or (REPO_ROOT / "exports" if IN_CHECKOUT else "exports"))
FRAMEWORKS_DIR: Path = PACKAGE_DIR / "frameworks"
FONTS_DIR: Path = PACKAGE_DIR / "fonts"

__all__ = [
    "PACKAGE_DIR",
    "REPO_ROOT",
    "IN_CHECKOUT",
    "DATA_DIR",
    "DEFAULT_DATASET",
    "NOTEBOOKS_DIR",
    "EXPORTS_DIR",
    "FRAMEWORKS_DIR",
    "FONTS_DIR",
]
