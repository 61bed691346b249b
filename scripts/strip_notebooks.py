"""Strip outputs and execution counts from the report notebooks before committing.

Usage::

    python scripts/strip_notebooks.py [--check] [NOTEBOOK ...]

Without arguments it processes ``notebooks/*.ipynb``. ``--check`` writes nothing and
exits 1 when a notebook still carries outputs, execution counts or an injected
parameters cell.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def strip(nb: nbformat.NotebookNode) -> bool:
    """Strip ``nb`` in place; return True if anything changed."""
    changed = False
    kept = []
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            changed = True
            continue
        if cell.cell_type == "code":
            if cell.outputs or cell.execution_count is not None:
                changed = True
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "collapsed", "scrolled"):
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
        kept.append(cell)
    nb.cells = kept
    for key in ("widgets", "papermill", "perfeval"):
        if key in nb.metadata:
            del nb.metadata[key]
            changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="清除笔记本的输出与执行计数")
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="只检查：有未清除的输出时返回 1")
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    dirty = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if strip(nb):
            dirty.append(path)
            if not args.check:
                nbformat.write(nb, path)
    for path in dirty:
        print(("未清除输出：" if args.check else "已清除输出：") + str(path))
    return 1 if (args.check and dirty) else 0


if __name__ == "__main__":
    sys.exit(main())
