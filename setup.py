"""Build step: put the repository's ``notebooks/`` and ``data/default`` into the wheel.

The repository keeps them at the top level (analysts open them there); the
installed package needs them beside its code, where :mod:`perfeval._paths`
finds them with :mod:`importlib.resources`.  They are copied into the build
tree (``build/lib/perfeval/…``) at build time, never into the source tree, so
git holds one copy.  Editable installs skip the copy: they read the checkout.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: source folder in the repository → folder inside the installed package
BUNDLED = {"notebooks": "notebooks", "data/default": "data/default"}


class BuildWithData(build_py):
    """``build_py`` that also copies the notebooks and the default dataset into the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for source, target in BUNDLED.items():
            src = ROOT / source
            if not src.is_dir():  # building from an sdist that lacks them: fail loudly
                raise SystemExit(f"perfeval build: missing {source}/ (needed inside the wheel)")
            dest = Path(self.build_lib) / "perfeval" / target
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".*", "__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithData})
