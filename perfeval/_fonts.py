"""The bundled CJK font and the matplotlib style that uses it.

perfeval ships one font, ``perfeval/fonts/PerfevalSansSC-Regular.otf``: a subset of
Noto Sans CJK SC (SIL Open Font License 1.1, see ``perfeval/fonts/OFL.txt``) that
covers all of GB 2312 plus the punctuation and symbols found in reports.  It is made
by ``scripts/make_font_subset.py``.  Charts (matplotlib) and PDFs (weasyprint) both
use it, so what an analyst sees does not depend on the fonts installed on a machine.
"""
from __future__ import annotations

import base64
import functools
from pathlib import Path

from perfeval._paths import FONTS_DIR

#: The bundled font file.
FONT_PATH: Path = FONTS_DIR / "PerfevalSansSC-Regular.otf"
#: The family name recorded in :data:`FONT_PATH`.
FONT_FAMILY: str = "Perfeval Sans SC"
#: Families tried, in order, for glyphs the subset lacks (rare hanzi in names).
FALLBACK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "DejaVu Sans",
)

#: matplotlib settings applied by :func:`use_cjk_font` (readable at A4 width).
MPL_STYLE: dict[str, object] = {
    "axes.unicode_minus": False,
    # Titles and labels carry report text: a "$" in a department name is a dollar
    # sign, never the start of mathtext (which would typeset or fail on it).
    "text.parse_math": False,
    "figure.figsize": (7.0, 3.8),
    "figure.dpi": 150,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "figure.constrained_layout.use": False,
    "font.size": 10.5,
    "axes.titlesize": 12,
    "axes.titleweight": "normal",
    # Titles sit just above their axes (the position matplotlib would choose for
    # perfeval's charts, which have no tick labels or offset text above the axes);
    # left automatic, every draw and layout pass measures the y axis's tick labels
    # again for each title, about an eighth of a chart's rendering time.
    "axes.titley": 1.0,
    "axes.labelsize": 10.5,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 9.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "grid.alpha": 0.35,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "none",
}

#: A restrained palette that stays distinguishable when printed in greyscale.
PALETTE: tuple[str, ...] = (
    "#1f5a96", "#d9822b", "#3a8a4f", "#b03a3a", "#6b4c9a",
    "#8c6d31", "#4f8fbf", "#7f7f7f",
)


def font_family_stack() -> list[str]:
    """Return the font families to use, bundled font first.

    Returns
    -------
    list of str
        ``[FONT_FAMILY, *FALLBACK_FAMILIES]``.
    """
    return [FONT_FAMILY, *FALLBACK_FAMILIES]


@functools.lru_cache(maxsize=1)
def _register_with_matplotlib() -> None:
    from matplotlib import font_manager

    if not FONT_PATH.is_file():
        raise FileNotFoundError(f"找不到内置字体文件：{FONT_PATH}（请重新安装 perfeval）")
    font_manager.fontManager.addfont(str(FONT_PATH))


def use_cjk_font() -> None:
    """Make matplotlib draw Chinese with the bundled font, in the perfeval style.

    Registers :data:`FONT_PATH` with matplotlib's font manager (once per process)
    and sets ``rcParams``: ``font.family`` = sans-serif with the bundled family
    first, ``axes.unicode_minus`` off (the subset's ASCII minus is used), figure
    size and font sizes readable on an A4 page, a print-friendly palette.  Calling
    it again is harmless and re-applies the same settings.
    """
    import matplotlib as mpl
    from cycler import cycler

    _register_with_matplotlib()
    style = dict(MPL_STYLE)
    style["axes.prop_cycle"] = cycler(color=list(PALETTE))
    mpl.rcParams.update(style)
    mpl.rcParams["font.family"] = ["sans-serif"]
    mpl.rcParams["font.sans-serif"] = font_family_stack()


def font_face_css(*, embed: bool = False) -> str:
    """Return a CSS ``@font-face`` rule for the bundled font.

    Parameters
    ----------
    embed : bool, default False
        If True the font is inlined as a base64 ``data:`` URI (about 2.3 MB of
        text); if False it is referenced by its ``file://`` URL, which is what the
        PDF route uses (weasyprint reads it locally and embeds a subset).

    Returns
    -------
    str
        The rule, declaring family :data:`FONT_FAMILY`.
    """
    if embed:
        data = base64.b64encode(FONT_PATH.read_bytes()).decode("ascii")
        src = f'url("data:font/otf;base64,{data}") format("opentype")'
    else:
        src = f'url("{FONT_PATH.resolve().as_uri()}") format("opentype")'
    return (
        "@font-face {\n"
        f'  font-family: "{FONT_FAMILY}";\n'
        f"  src: {src};\n"
        "  font-weight: normal;\n"
        "  font-style: normal;\n"
        "}\n"
    )


@functools.lru_cache(maxsize=8)
def _subset_cached(chars: str) -> bytes:
    import io
    import logging

    from fontTools import subset

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    options = subset.Options()
    options.flavor = "woff"  # zlib: no extra dependency (woff2 would need brotli)
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["DSIG"]
    font = subset.load_font(str(FONT_PATH), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buf = io.BytesIO()
    subset.save_font(font, buf, options)
    return buf.getvalue()


def subset_font(text: str) -> bytes:
    """Return the bundled font cut down to the characters of ``text``, as WOFF.

    Parameters
    ----------
    text : str
        Every character a page shows (duplicates and order do not matter).
        ASCII letters, digits and punctuation are always kept, so numbers
        formatted later still have glyphs.

    Returns
    -------
    bytes
        A WOFF font (zlib-compressed OpenType) with family :data:`FONT_FAMILY`:
        a few KB for a report's few hundred distinct characters, against
        1.7 MB for the whole bundled font.

    Examples
    --------
    >>> len(subset_font("部门整体支出")) < 40_000
    True
    """
    keep = set(text) | {chr(c) for c in range(0x20, 0x7F)}
    chars = "".join(sorted(ch for ch in keep if not ch.isspace() or ch == " "))
    return _subset_cached(chars)


def font_face_css_subset(text: str) -> str:
    """Return an ``@font-face`` rule embedding :func:`subset_font` of ``text``.

    The rule declares :data:`FONT_FAMILY` with a ``data:font/woff`` URI, so a
    page that uses it renders every character of ``text`` with the bundled font
    on a machine without any Chinese font, and fetches nothing.
    """
    data = base64.b64encode(subset_font(text)).decode("ascii")
    return (
        "@font-face {\n"
        f'  font-family: "{FONT_FAMILY}";\n'
        f'  src: url("data:font/woff;base64,{data}") format("woff");\n'
        "  font-weight: normal;\n"
        "  font-style: normal;\n"
        "  font-display: block;\n"
        "}\n"
    )


def css_font_stack() -> str:
    """Return the CSS ``font-family`` value: bundled font, fallbacks, generic."""
    return ", ".join(f'"{name}"' for name in font_family_stack()) + ", sans-serif"


__all__ = [
    "FONT_PATH",
    "FONT_FAMILY",
    "FALLBACK_FAMILIES",
    "PALETTE",
    "use_cjk_font",
    "font_face_css",
    "font_face_css_subset",
    "subset_font",
    "css_font_stack",
    "font_family_stack",
]
