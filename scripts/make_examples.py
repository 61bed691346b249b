"""Append the example (示例) departments to the embedded default dataset.

Usage::

    python scripts/make_examples.py [--data DIR] [--seed 20211] [--check]

For every table of ``data/default`` the rows of real departments (any ``dept_id``
not starting with ``demo-``) are kept first and byte for byte; the rows of
:func:`perfeval.generate_examples` (default arguments unless given) replace any
earlier ``demo-`` rows after them. Running it twice yields identical files.
``--check`` writes nothing and exits 1 when the files differ from what it would write.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perfeval._examples import format_csv_rows, generate_examples  # noqa: E402

DEMO_PREFIX = "demo-"


def render(path: Path, frame) -> str:
    """Return the new text of ``path``: its real rows, then the example rows.

    The file's own line ending (LF or CRLF) and byte-order mark are kept.
    """
    raw = path.read_bytes() if path.exists() else b""
    bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    text = raw.decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    if not lines:
        eol = "\n"
        header = list(frame.columns)
        kept = [",".join(header) + eol]
    else:
        eol = "\r\n" if lines[0].endswith("\r\n") else "\n"
        header = next(csv.reader([lines[0].rstrip("\r\n")]))
        kept = [lines[0]] + [ln for ln in lines[1:]
                             if ln.strip() and not ln.startswith(DEMO_PREFIX)]
        kept = [ln if ln.endswith(("\n", "\r")) else ln + eol for ln in kept]
    missing = [c for c in frame.columns if c not in header]
    if missing:
        raise SystemExit(f"{path}: 表头缺少列 {missing}，现有表头为 {header}")
    ordered = frame.reindex(columns=header)
    return bom + "".join(kept) + "".join(line + eol for line in format_csv_rows(ordered))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="把示例部门追加到内置默认数据")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "default")
    parser.add_argument("--seed", type=int, default=20211)
    parser.add_argument("--check", action="store_true",
                        help="只检查，不写文件；与生成结果不一致时返回 1")
    args = parser.parse_args(argv)
    frames = generate_examples(seed=args.seed)
    stale = []
    for name, frame in frames.items():
        path = args.data / f"{name}.csv"
        new = render(path, frame)
        old = path.read_bytes().decode("utf-8") if path.exists() else None
        if new == old:
            continue
        stale.append(path)
        if not args.check:
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(new)
            os.replace(tmp, path)
    for path in stale:
        print(("需要更新：" if args.check else "已更新：") + str(path))
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    raise SystemExit(main())
