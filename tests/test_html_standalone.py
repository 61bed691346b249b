"""HTML reports stand alone: the font travels inside the file, and a phone can read it.

Each report (department, comparison, trends) is rendered by headless Chromium
with the system fonts hidden (``FONTCONFIG_FILE`` pointing at an empty font
configuration): every character shown must be in the embedded font's subset and
the page must use that font; at 390 px wide the page must not scroll sideways
(tables scroll inside their own box).
"""
from __future__ import annotations

import base64
import io
import os
import re
import shutil
from pathlib import Path

import pytest

from perfeval._export import _visible_text, _wrap_tables
from perfeval._fonts import FONT_FAMILY, font_face_css_subset, subset_font

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
_WOFF = re.compile(r"data:font/woff;base64,([A-Za-z0-9+/=]+)")


def _cmap(woff: bytes) -> set[str]:
    from fontTools.ttLib import TTFont

    return {chr(c) for c in TTFont(io.BytesIO(woff)).getBestCmap()}


def test_subset_covers_the_text_and_is_small():
    text = "部门整体支出绩效自评：执行率99.56%，≥98%（明细合计）"
    woff = subset_font(text)
    assert set(text) <= _cmap(woff)
    assert len(woff) < 60_000
    css = font_face_css_subset(text)
    assert FONT_FAMILY in css and "data:font/woff;base64," in css


def test_tables_get_their_own_scroll_box():
    body = '<p>x</p><table class="a"><tr><td>1</td></tr></table><TABLE></TABLE>'
    out = _wrap_tables(body)
    assert out.count('<div class="table-wrap"><table') == 2 and out.count("</table></div>") == 2


def test_visible_text_drops_tags_and_data_uris():
    assert _visible_text('<img src="data:image/png;base64,QUJD"><b>部门&amp;</b>') == "  部门& "


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list[Path]:
    from perfeval._paths import NOTEBOOKS_DIR
    from perfeval._run import Job, run_reports

    out = tmp_path_factory.mktemp("reports")
    jobs = [
        Job(NOTEBOOKS_DIR / "01_department_report.ipynb",
            {"dataset": "", "dept_id": "hyx-wxb", "year": 2021, "framework": ""}, out / "部门报告", ("html",)),
        Job(NOTEBOOKS_DIR / "02_compare_departments.ipynb",
            {"dataset": "", "year": 2021, "dept_ids": [], "framework": ""}, out / "部门对比", ("html",)),
        Job(NOTEBOOKS_DIR / "03_trends.ipynb",
            {"dataset": "", "dept_ids": ["demo-wjw", "hyx-wxb"], "framework": ""}, out / "趋势分析", ("html",)),
    ]
    results = run_reports(jobs, progress=False)
    assert all(r.ok for r in results), [r.error for r in results]
    return [Path(r.outputs["html"]) for r in results]


@pytest.fixture(scope="module")
def browser_without_fonts(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("需要 Debian 的 chromium 软件包")
    conf_dir = tmp_path_factory.mktemp("nofonts")
    conf = conf_dir / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                    f"<fontconfig><cachedir>{conf_dir / 'cache'}</cachedir></fontconfig>\n", encoding="utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(conf), FONTCONFIG_PATH=str(conf_dir))
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)
        yield browser
        browser.close()


_TEXT_JS = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let s = document.title; let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    if (el && getComputedStyle(el).display !== 'none') s += n.nodeValue;
  }
  return s;
}"""


@pytest.mark.e2e
def test_reports_render_without_system_fonts_and_fit_a_phone(reports, browser_without_fonts):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for path in reports:
        html = path.read_text(encoding="utf-8")
        [woff64] = _WOFF.findall(html)
        covered = _cmap(base64.b64decode(woff64))
        assert len(woff64) < 400_000, f"{path.name}: 嵌入字体过大（{len(woff64)} 字节）"
        assert "http://" not in html.split("<body", 1)[0] and "https://" not in html.split("<body", 1)[0]
        page = browser_without_fonts.new_page(viewport={"width": 390, "height": 844})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: errors.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        page.goto(path.as_uri())
        page.evaluate("() => document.fonts.ready")
        faces = page.evaluate("() => [...document.fonts].map(f => f.family.replace(/\"/g, ''))")
        # The face is declared from the file itself (its load status in a fontless headless
        # Chromium is not reliable: it flips between loaded and error for the same bytes).
        assert faces == [FONT_FAMILY], faces
        text = page.evaluate(_TEXT_JS)
        missing = sorted({ch for ch in text if not ch.isspace()} - covered)
        assert missing == [], f"{path.name}: 嵌入字体缺少 {''.join(missing)}"
        body_font = page.evaluate("() => getComputedStyle(document.body).fontFamily")
        assert body_font.startswith(f'"{FONT_FAMILY}"')
        width = page.evaluate("() => document.scrollingElement.scrollWidth")
        assert width <= 390, f"{path.name}: 390px 宽时页面宽 {width}px"
        boxes = page.evaluate("() => [...document.querySelectorAll('table')].map(t => t.parentElement.className)")
        assert boxes and all("table-wrap" in b for b in boxes)
        page.screenshot(path=str(ARTIFACTS / f"phone_{path.stem}.png"))
        page.close()
        assert errors == []
