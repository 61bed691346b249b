"""Build the bundled CJK font subset shipped in ``perfeval/fonts/``.

The subset is cut from the Simplified Chinese face of Noto Sans CJK (SIL Open
Font License 1.1) as installed by Debian's ``fonts-noto-cjk`` package, with
fontTools' ``pyftsubset`` machinery.  It keeps:

* every character of GB 2312 (6763 hanzi plus its 682 symbols),
* the characters used by the embedded default dataset and the frameworks,
* ASCII, Latin-1, general punctuation, CJK symbols and punctuation,
  full-width forms, enclosed numbers (①…), Roman numerals, arrows, common
  mathematical operators (≥ ≤ ≈ × ÷ ± ‰ …), geometric shapes and letter-like
  symbols (℃ № …).

The family is renamed ``Perfeval Sans SC`` (a Modified Version under the OFL may
not keep the Reserved Font Name, and a distinct name keeps matplotlib and
fontconfig from confusing it with a system-wide Noto font).  Copyright and licence
records of the name table are kept.

Usage::

    python scripts/make_font_subset.py [--source PATH.ttc] [--out perfeval/fonts/PerfevalSansSC-Regular.otf]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEFAULT_OUT = REPO / "perfeval" / "fonts" / "PerfevalSansSC-Regular.otf"
FACE_NAME = "Noto Sans CJK SC"
FAMILY = "Perfeval Sans SC"
POSTSCRIPT = "PerfevalSansSC-Regular"

#: Unicode blocks kept whole (inclusive ranges).
RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement
    (0x0391, 0x03C9),  # Greek (GB 2312 has it too)
    (0x2000, 0x206F),  # general punctuation: — … ‰ ‘ ’ “ ” ·
    (0x2100, 0x214F),  # letter-like symbols: ℃ №
    (0x2150, 0x218F),  # number forms: Ⅰ Ⅱ ⅰ
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators: ≥ ≤ ≈ ± ∑
    (0x2460, 0x24FF),  # enclosed alphanumerics: ① ⑴ ⒈
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes: ■ □ ▲ ● ○
    (0x2600, 0x26FF),  # misc symbols: ★ ☆ ✓ neighbours
    (0x2700, 0x27BF),  # dingbats: ✓ ✔ ✗
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、 。 「 」 〔 〕
    (0x3200, 0x32FF),  # enclosed CJK: ㈠ ㊀
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms
)

#: Characters always kept even if outside the ranges above.
EXTRA = "≥≤≈×÷±%‰、。「」『』…—·•￥¥€℃№①②③④⑤⑥⑦⑧⑨⑩"


def gb2312_chars() -> set[str]:
    """Return every character encodable in GB 2312 (EUC-CN rows 0xA1–0xF7)."""
    chars: set[str] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def repo_chars() -> set[str]:
    """Return the non-ASCII characters used by the shipped data and frameworks."""
    chars: set[str] = set()
    for pattern in ("data/default/*.csv", "perfeval/frameworks/*.toml"):
        for path in REPO.glob(pattern):
            chars.update(ch for ch in path.read_text(encoding="utf-8") if ord(ch) > 0x7F)
    return chars


def wanted_codepoints() -> set[int]:
    """Return the set of code points the subset must cover."""
    chars = gb2312_chars() | repo_chars() | set(EXTRA)
    cps = {ord(c) for c in chars}
    for lo, hi in RANGES:
        cps.update(range(lo, hi + 1))
    return cps


def load_face(source: Path, face: str = FACE_NAME) -> TTFont:
    """Open the face called ``face`` from a font collection (or a plain font)."""
    if source.suffix.lower() in {".ttc", ".otc"}:
        collection = TTCollection(str(source))
        for font in collection.fonts:
            if font["name"].getDebugName(4) == face or font["name"].getDebugName(1) == face:
                return font
        names = [f["name"].getDebugName(4) for f in collection.fonts]
        raise SystemExit(f"{source}: no face named {face!r}; faces: {names}")
    return TTFont(str(source))


def rename(font: TTFont) -> None:
    """Give the subset its own family name, keeping copyright and licence records."""
    table = font["name"]
    version = table.getDebugName(5) or ""
    values = {
        1: FAMILY,
        2: "Regular",
        3: f"{POSTSCRIPT};subset of NotoSansCJKsc-Regular {version}",
        4: f"{FAMILY} Regular",
        6: POSTSCRIPT,
        16: FAMILY,
        17: "Regular",
    }
    for record in list(table.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 18, 21, 22):
            table.removeNames(nameID=record.nameID)
    for name_id, value in values.items():
        table.setName(value, name_id, 3, 1, 0x409)
        table.setName(value, name_id, 1, 0, 0)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [POSTSCRIPT]
        top = cff.topDictIndex[0]
        top.FullName = f"{FAMILY} Regular"
        top.FamilyName = FAMILY


def build(source: Path, out: Path) -> Path:
    """Subset ``source`` to :func:`wanted_codepoints` and write it atomically to ``out``."""
    font = load_face(source)
    options = subset.Options()
    options.layout_features = ["kern", "liga", "ccmp", "halt", "palt", "vert", "vrt2", "fwid", "hwid", "pwid"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = False
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=sorted(wanted_codepoints()))
    subsetter.subset(font)
    rename(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    font.save(str(tmp))
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    out = build(args.source, args.out)
    font = TTFont(str(out), lazy=True)
    cmap = font.getBestCmap()
    missing = [chr(c) for c in sorted(gb2312_chars_cp()) if c not in cmap]
    print(f"{out}: {out.stat().st_size / 1e6:.2f} MB, {len(cmap)} code points, "
          f"{font['maxp'].numGlyphs} glyphs, GB 2312 missing: {len(missing)}")
    return 0


def gb2312_chars_cp() -> set[int]:
    """Return the GB 2312 code points (helper for the summary line)."""
    return {ord(c) for c in gb2312_chars()}


if __name__ == "__main__":
    sys.exit(main())
