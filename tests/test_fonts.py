"""The bundled CJK font: coverage, licence, matplotlib use without missing glyphs."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from perfeval import _fonts
from perfeval._paths import DEFAULT_DATASET, FONTS_DIR


@pytest.fixture(scope="module")
def cmap() -> dict[int, str]:
    return TTFont(str(_fonts.FONT_PATH), lazy=True).getBestCmap()


def _gb2312() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def test_font_file_is_small_and_named_as_declared():
    assert _fonts.FONT_PATH.is_file()
    size = _fonts.FONT_PATH.stat().st_size
    assert 500_000 < size < 5_000_000, size
    name = TTFont(str(_fonts.FONT_PATH), lazy=True)["name"]
    assert name.getDebugName(1) == _fonts.FONT_FAMILY


def test_licence_ships_beside_the_font():
    text = (FONTS_DIR / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in text
    assert "Adobe" in text and "Noto" in text


def test_font_covers_all_gb2312(cmap):
    hanzi = [c for c in _gb2312() if "\u4e00" <= c <= "\u9fff"]
    assert len(hanzi) == 6763
    missing = [c for c in _gb2312() if ord(c) not in cmap]
    assert missing == []


def test_font_covers_report_symbols_and_default_data(cmap):
    symbols = "≥≤≈×÷±%‰、。「」…—·①②⑩（），：；？！《》“”‘’￥℃№ⅠⅡ■□▲●○±"
    text = symbols + "".join(p.read_text(encoding="utf-8") for p in sorted(Path(DEFAULT_DATASET).glob("*.csv")))
    missing = sorted({c for c in text if c.isprintable() and not c.isspace() and ord(c) not in cmap})
    assert missing == []


def test_use_cjk_font_is_idempotent_and_sets_style():
    import matplotlib as mpl
    from matplotlib import font_manager

    _fonts.use_cjk_font()
    first = {k: mpl.rcParams[k] for k in ("font.sans-serif", "axes.unicode_minus", "figure.figsize")}
    n_fonts = len(font_manager.fontManager.ttflist)
    _fonts.use_cjk_font()
    assert {k: mpl.rcParams[k] for k in first} == first
    assert len(font_manager.fontManager.ttflist) == n_fonts  # registered once
    assert mpl.rcParams["font.sans-serif"][0] == _fonts.FONT_FAMILY
    assert mpl.rcParams["axes.unicode_minus"] is False
    found = font_manager.findfont(font_manager.FontProperties(family=_fonts.FONT_FAMILY), fallback_to_default=False)
    assert Path(found).resolve() == _fonts.FONT_PATH.resolve()


def test_chinese_chart_has_no_missing_glyph_warning(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _fonts.use_cjk_font()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.bar(["基本支出", "项目支出", "三公经费"], [3.5, -1.2, 0.8])
        ax.set_title("预算执行率≥95%：部门整体支出绩效（万元）①")
        ax.set_xlabel("科目 — 年初预算 × 调整 ÷ 决算 ‰")
        ax.legend(["全年执行数"])
        fig.savefig(tmp_path / "chart.png")
        plt.close(fig)
    glyph = [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert glyph == []
    assert (tmp_path / "chart.png").stat().st_size > 5_000


def test_missing_glyph_warning_is_detectable(tmp_path):
    """Guard for the test above: the same check does fire for a font without hanzi."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig, ax = plt.subplots()
            ax.set_title("预算")
            fig.savefig(tmp_path / "tofu.png")
            plt.close(fig)
    assert any("missing from" in str(w.message) for w in caught)


def test_font_face_css_points_at_the_bundled_file():
    css = _fonts.font_face_css()
    assert f'font-family: "{_fonts.FONT_FAMILY}"' in css
    assert _fonts.FONT_PATH.resolve().as_uri() in css
    embedded = _fonts.font_face_css(embed=True)
    assert "data:font/otf;base64," in embedded and len(embedded) > 1_000_000
    assert _fonts.css_font_stack().startswith(f'"{_fonts.FONT_FAMILY}"')
