"""The explorer: its state and views (fast), and the web app in headless Chromium (e2e).

The e2e tests start ``perfeval explore`` on 127.0.0.1 and drive it with
Playwright and Debian's ``chromium`` (never a downloaded browser).  Screenshots
go to ``tests/artifacts/`` (ignored by git).
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

import perfeval
from perfeval._explore import NO_PRIOR, ROLLUP_MARK, Explorer, add_command, voila_command

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


# --------------------------------------------------------------------------- fast: state and views
@pytest.fixture(scope="module")
def explorer(tmp_path_factory) -> Explorer:
    return Explorer(export_dir=tmp_path_factory.mktemp("explore"))


def test_starts_on_the_real_department_latest_year_one_render(explorer):
    sel = explorer.selection()
    assert sel["dept_ids"] == ["hyx-wxb"] and sel["year"] == 2021 and sel["item"] == "年度资金总额"
    assert sel["years"] == [2020, 2021]
    assert explorer.renders >= 1


def test_year_survives_a_department_change_when_the_department_has_it(explorer):
    explorer.set(depts=["demo-czj"], year=2020)
    before = explorer.renders
    explorer.depts.value = ("demo-fl",)  # as the browser does: one widget change
    assert explorer.year.value == 2020
    assert explorer.renders == before + 1
    explorer.depts.value = ("hyx-wxb",)  # has 2020 too
    assert explorer.year.value == 2020
    explorer.set(depts=["demo-czj"], year=2023)
    explorer.depts.value = ("hyx-wxb",)  # has no 2023: its latest year
    assert explorer.year.value == 2021


def test_several_departments_and_a_year_range(explorer):
    explorer.set(depts=["demo-czj", "demo-fl"], year=2022, start=2019)
    sel = explorer.selection()
    assert sel["years"] == [2019, 2020, 2021, 2022]
    assert {"资金与构成", "绩效指标", "总分", "科目历年变化", "趋势"} <= set(explorer.view.tables)
    frame = explorer.view.tables["资金与构成"][0]
    assert set(frame["dept_id"]) == {"demo-czj", "demo-fl"}
    trend = explorer.view.tables["趋势"][0]
    assert sorted(set(trend["year"].astype(int))) == [2019, 2020, 2021, 2022]
    assert "总分排名" in explorer.view.charts


def _html_of(out) -> str:
    parts = []
    for o in out.outputs:
        data = o.get("data", {})
        parts.append(data.get("text/html", "") + data.get("text/markdown", ""))
    return "\n".join(parts)


def test_rolled_up_figure_is_marked_and_first_year_has_no_prior(explorer, default_ds):
    explorer.set(depts=["hyx-wxb"], year=2021, start=2020, item="人员经费")
    # The summary says 71.9019万元 for 人员经费; the table shows it marked as summed from its items.
    funds = explorer.view.tables["资金与构成"]
    assert bool(funds[0]["personnel__rolled"].iloc[0]) and funds[2]
    hist = explorer.view.tables["科目历年变化"][0]
    assert bool(hist["actual_shown__rolled"].iloc[0])
    explorer.set(item="基本支出")
    hist = explorer.view.tables["科目历年变化"][0]
    first = hist[hist["year"] == 2020]
    assert bool(first["__no_prior"].iloc[0])
    assert not bool(hist[hist["year"] == 2021]["__no_prior"].iloc[0])


def test_tables_render_marks_in_html(explorer):
    from IPython.display import HTML

    explorer.set(depts=["hyx-wxb"], year=2021, start=2020, item="基本支出")
    items = explorer.items[(explorer.items["dept_id"] == "hyx-wxb") & (explorer.items["item"] == "基本支出")]
    hist = explorer._item_history(["hyx-wxb"], "基本支出")
    html = explorer._table("t", hist, {"year": ("年度", "year"), "yoy_change": ("同比增减", "wan")}).data
    assert NO_PRIOR in html and "未填报" not in html
    assert len(items) == 2
    rows = explorer._marked_metrics(explorer.m[(explorer.m["dept_id"] == "hyx-wxb") & (explorer.m["year"] == 2021)])
    html = explorer._table("t2", rows, {"personnel": ("人员经费", "wan")}).data
    assert f"71.9019{ROLLUP_MARK}" in html
    assert isinstance(explorer._table("t3", rows, {"public": ("公用经费", "wan")}), HTML)


def test_findings_filter_and_sort(explorer):
    explorer.set(depts=["demo-czj", "demo-fl", "hyx-wxb"], year=2021, start=2019)
    everything = explorer.findings_view()
    assert len(everything) > 0
    ranks = everything["severity"].map({"错误": 0, "警告": 1, "提示": 2}).tolist()
    assert ranks == sorted(ranks)
    explorer.f_desc.value = True
    ranks = explorer.findings_view()["severity"].map({"错误": 0, "警告": 1, "提示": 2}).tolist()
    assert ranks == sorted(ranks, reverse=True)
    explorer.f_desc.value = False
    sev = everything["severity"].iloc[-1]
    explorer.f_severity.value = sev
    assert set(explorer.findings_view()["severity"]) == {sev}
    explorer.f_severity.value = "全部"
    explorer.f_text.value = "网信办"
    assert set(explorer.findings_view()["dept_id"]) == {"hyx-wxb"}
    explorer.f_text.value = ""


def test_exports_write_files_that_open(explorer):
    import openpyxl
    from PIL import Image

    explorer.set(depts=["hyx-wxb", "demo-czj"], year=2021, start=2020, item="基本支出")
    [xlsx] = explorer.export_xlsx()
    book = openpyxl.load_workbook(xlsx)
    assert "说明" in book.sheetnames and "资金与构成" in book.sheetnames
    sheet = book["资金与构成"]
    headers = [c.value for c in sheet[1]]
    assert "人员经费" in headers and "人员经费说明" in headers
    pngs = explorer.export_png()
    assert len(pngs) == len(explorer.view.charts) >= 4
    for p in pngs:
        with Image.open(p) as im:
            assert im.format == "PNG" and im.width > 300


def test_render_replaces_the_outputs_whole_and_ends_with_the_ready_marker(explorer):
    explorer.set(depts=["demo-czj", "demo-fl"], year=2021, start=2020)
    outs = explorer.out.outputs  # set in one update, not captured (no kernel needed)
    marker = outs[-1]["data"]["text/html"]
    assert 'class="pe-render"' in marker and f'data-render="{explorer.renders}"' in marker
    assert 'data-depts="demo-czj,demo-fl"' in marker and 'data-year="2021"' in marker and 'data-start="2020"' in marker
    assert sum("application/vnd.plotly.v1+json" in o["data"] for o in outs) >= 4
    views = [o["data"].get("application/vnd.jupyter.widget-view+json", {}).get("model_id") for o in outs]
    assert explorer.findings_out.model_id in views
    assert "pe-find-count" in explorer.findings_out.outputs[0]["data"]["text/html"]


def _shown_text(ex: Explorer) -> str:
    """Everything the app shows (its outputs, the findings table) and what its workbook export writes."""
    import json
    import zipfile

    parts = [json.dumps(o.get("data", {}), ensure_ascii=False) for o in ex.out.outputs]
    parts += [json.dumps(o.get("data", {}), ensure_ascii=False) for o in ex.findings_out.outputs]
    [xlsx] = ex.export_xlsx()
    with zipfile.ZipFile(xlsx) as zf:
        parts += [zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml")]
    return "".join(parts)


@pytest.mark.e2e  # two explorers with exports: about 10 s
def test_app_masks_personal_data_unless_asked(tmp_path, monkeypatch):
    from test_security import _dataset_with_personal_data

    folder = _dataset_with_personal_data(tmp_path / "ds")
    masked = Explorer(folder, export_dir=tmp_path / "a")
    text = _shown_text(masked)
    assert "第一时间完成网络舆情处置" in text  # the indicator is shown ...
    for raw in ("王小明", "13912345678", "孙八", "13600001111", "sun.ba@example.org"):
        assert raw not in text, raw  # ... its contact is not
    # `perfeval explore --keep-personal-data` reaches the app through the Voila process's environment
    from perfeval._explore import KEEP_PERSONAL_ENV, voila_env

    monkeypatch.setenv(KEEP_PERSONAL_ENV, voila_env(str(folder), True)[KEEP_PERSONAL_ENV])
    kept = Explorer(folder, export_dir=tmp_path / "b")
    assert "13912345678" in _shown_text(kept)
    assert voila_env(str(folder), False)[KEEP_PERSONAL_ENV] != voila_env(str(folder), True)[KEEP_PERSONAL_ENV]


def test_cli_registers_explore():
    import argparse

    parser = argparse.ArgumentParser()
    add_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["explore", "data/x", "--port", "9999", "--no-browser"])
    assert (args.dataset, args.port, args.no_browser) == ("data/x", 9999, True)
    cmd = voila_command(ROOT / "notebooks" / "04_explore.ipynb", 9999, "tok")
    assert "--Voila.ip=127.0.0.1" in cmd and "--template=perfeval" in cmd and "--token=tok" in cmd


def test_offline_template_has_no_remote_stylesheet():
    tpl = ROOT / "perfeval" / "templates" / "voila" / "templates" / "perfeval" / "index.html.j2"
    text = tpl.read_text(encoding="utf-8")
    assert not re.search(r"""(?:href|src)\s*=\s*["']?(?:https?:)?//""", text)


def test_notebook_code_cells_are_collapsed():
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "04_explore.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.metadata.get("jupyter", {}).get("source_hidden") for c in code)
    assert nb.cells[0].cell_type == "code"  # controls come first


# --------------------------------------------------------------------------- e2e: the web app
def _local(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return urlparse(url).hostname in ("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    pytest.importorskip("voila")
    if not Path(CHROMIUM).exists():
        pytest.skip("需要 Debian 的 chromium 软件包")
    exports = tmp_path_factory.mktemp("exports")
    env = dict(os.environ, PERFEVAL_EXPORTS=str(exports), PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    proc = subprocess.Popen([sys.executable, "-m", "perfeval.cli", "explore", "--no-browser"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    url = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and url is None:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", line)
        url = m.group(0) if m else None
    if url is None:
        proc.kill()
        pytest.fail(f"perfeval explore 没有打印网址：{proc.stderr.read()[-2000:]}")
    yield url, exports
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def fontless_env(tmp_path_factory) -> dict[str, str]:
    """Chromium's environment with Latin fonts only (no CJK system font), as on a bare machine."""
    conf_dir = tmp_path_factory.mktemp("latin-fonts")
    latin = "".join(f"<dir>{d}</dir>" for d in ("/usr/share/fonts/truetype/dejavu",) if Path(d).is_dir())
    (conf_dir / "fonts.conf").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig>{latin}<cachedir>{conf_dir / 'cache'}</cachedir></fontconfig>\n", encoding="utf-8")
    return dict(os.environ, FONTCONFIG_FILE=str(conf_dir / "fonts.conf"), FONTCONFIG_PATH=str(conf_dir))


@pytest.fixture(scope="module")
def page(app, fontless_env):
    sync_api = pytest.importorskip("playwright.sync_api")
    url, _exports = app
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=fontless_env)
        pg = browser.new_page(viewport={"width": 1280, "height": 800})
        pg.requests, pg.errors = [], []  # type: ignore[attr-defined]
        pg.on("request", lambda r: pg.requests.append(r.url))
        pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        pg.goto(url, timeout=600_000, wait_until="commit")
        # Generous waits, no durations asserted: the ready marker is the app's last output.
        pg.wait_for_selector(".pe-render", state="attached", timeout=600_000)
        pg.wait_for_selector(".js-plotly-plot", state="attached", timeout=300_000)
        yield pg
        browser.close()


def _pick_depts(pg, *dept_ids: str) -> None:
    """Select departments by id (the options read ``名称（id）``) in one change."""
    sel = pg.locator(".pe-depts select")
    labels = [t for t in sel.locator("option").all_inner_texts() if any(f"（{d}）" in t for d in dept_ids)]
    assert len(labels) == len(dept_ids), labels
    sel.select_option(label=labels)


def _marker(pg) -> dict[str, str]:
    return pg.evaluate("() => ({...document.querySelector('.pe-render').dataset})")


def _wait_shows(pg, **expected: str) -> int:
    """Wait until the ready marker shows the expected selection; return its render count.

    The kernel handles one change at a time and sends each render whole, so once the
    output shows the last change, every render that change caused has arrived.
    """
    cond = " && ".join(f"m.dataset.{k} === {v!r}" for k, v in expected.items())
    pg.wait_for_function(f"() => {{ const m = document.querySelector('.pe-render'); return m && {cond}; }}",
                         timeout=300_000)
    pg.wait_for_selector(".js-plotly-plot", state="attached", timeout=300_000)
    return int(_marker(pg)["render"])


@pytest.mark.e2e
def test_app_controls_on_top_no_code_offline(page):
    page.screenshot(path=str(ARTIFACTS / "explore_start.png"))
    for cls in ("pe-depts", "pe-year", "pe-start", "pe-item", "pe-framework"):
        box = page.locator(f".{cls}").first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 800, cls
    # no code cell's input (the usage notes are a Markdown cell, shown on purpose)
    assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .cm-editor").count() == 0
    assert "Explorer(" not in page.inner_text("body")
    assert page.locator(".js-plotly-plot").count() >= 3
    # hover values: plotly's hover layer exists on the charts
    assert page.locator(".js-plotly-plot .hoverlayer").count() >= 1
    assert _marker(page)["render"] == "1"  # the first render, drawn once


_CJK_TEXT_JS = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = []; let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    if (!el || !/[\u3000-\u9fff\uff00-\uffef]/.test(n.nodeValue)) continue;
    const st = getComputedStyle(el);
    if (st.display === 'none' || st.visibility === 'hidden' || el.closest('[hidden], script, style')) continue;
    out.push([n.nodeValue, st.fontFamily]);
  }
  return out;
}"""


@pytest.mark.e2e
def test_app_chinese_is_drawn_with_the_embedded_font(page):
    import base64
    import io

    from fontTools.ttLib import TTFont

    from perfeval._fonts import FONT_FAMILY

    page.evaluate("() => document.fonts.ready")
    faces = page.evaluate("() => [...document.fonts].filter(f => f.family.replace(/\"/g, '') === %r)"
                          ".map(f => f.status)" % FONT_FAMILY)
    assert faces == ["loaded"], faces
    css = page.evaluate("() => [...document.querySelectorAll('style')].map(s => s.textContent).join('')")
    [woff64] = re.findall(r"data:font/woff;base64,([A-Za-z0-9+/=]+)", css)
    covered = {chr(c) for c in TTFont(io.BytesIO(base64.b64decode(woff64))).getBestCmap()}
    texts = page.evaluate(_CJK_TEXT_JS)
    assert len(texts) > 20  # controls, headings, tables, usage notes
    # the bundled family first, or after Latin-only monospace fonts in code spans
    not_ours = sorted({fam for _t, fam in texts if not fam.startswith(f'"{FONT_FAMILY}"')
                       and not (fam.endswith("monospace") and f'"{FONT_FAMILY}"' in fam)})
    assert not_ours == [], not_ours
    missing = sorted({ch for t, _f in texts for ch in t if not ch.isspace()} - covered)
    assert missing == [], "".join(missing)


@pytest.mark.e2e
def test_app_department_change_keeps_year_and_redraws_once(page):
    _pick_depts(page, "demo-czj")
    n = _wait_shows(page, depts="demo-czj")
    page.locator(".pe-year select").select_option(label="2020年")
    n2 = _wait_shows(page, depts="demo-czj", year="2020")
    assert n2 == n + 1
    _pick_depts(page, "demo-fl")
    n3 = _wait_shows(page, depts="demo-fl")
    assert n3 == n2 + 1  # one redraw for one change
    assert _marker(page)["year"] == "2020"  # the year survived the department change
    assert page.locator(".pe-year select").input_value() == page.locator(
        ".pe-year select option", has_text="2020年").get_attribute("value")
    body = page.inner_text(".pe-output")
    assert "示例·妇联" in body and "2020年" in body
    page.screenshot(path=str(ARTIFACTS / "explore_department.png"), full_page=True)


@pytest.mark.e2e
def test_app_several_departments_and_a_year_range(page):
    before = int(_marker(page)["render"])
    _pick_depts(page, "demo-czj", "demo-fl")
    n = _wait_shows(page, depts="demo-czj,demo-fl")
    assert n == before + 1
    page.locator(".pe-start select").select_option(label="2019年")
    assert _wait_shows(page, depts="demo-czj,demo-fl", start="2019") == n + 1
    text = page.inner_text(".pe-output")
    assert "示例·财政局" in text and "示例·妇联" in text and "趋势：2019—2020年" in text
    assert page.locator(".js-plotly-plot").count() >= 5
    page.screenshot(path=str(ARTIFACTS / "explore_compare.png"), full_page=True)


def _export(pg, button: str, suffix: str) -> None:
    """Click an export button; wait for its download links (or its error) in the status line."""
    pg.locator(f".pe-export-{button} button, button.pe-export-{button}").first.click()
    pg.wait_for_function(
        "() => document.querySelector('.pe-status .pe-error') || "
        f"document.querySelectorAll('.pe-status a.pe-download[download$=\"{suffix}\"]').length > 0", timeout=600_000)
    assert pg.locator(".pe-status .pe-error").count() == 0, pg.inner_text(".pe-status")


@pytest.mark.e2e
def test_app_exports_write_files_that_open(page, app):
    import openpyxl
    from PIL import Image

    _url, exports = app
    folder = exports / "探索"
    _export(page, "xlsx", ".xlsx")
    [xlsx] = sorted(folder.glob("*.xlsx"))
    assert "资金与构成" in openpyxl.load_workbook(xlsx).sheetnames
    _export(page, "png", ".png")
    pngs = sorted(folder.glob("*.png"))
    assert pngs
    for p in pngs:
        with Image.open(p) as im:
            im.verify()
    _export(page, "report", ".pdf")
    assert sorted(folder.glob("部门报告_*.html")) and sorted(folder.glob("部门报告_*.pdf"))
    assert all(p.stat().st_size > 1000 for p in folder.glob("部门报告_*.pdf"))
    page.screenshot(path=str(ARTIFACTS / "explore_exports.png"))


@pytest.mark.e2e
def test_app_no_console_errors_and_nothing_leaves_the_machine(page):
    outside = [u for u in page.requests if not _local(u)]
    assert outside == []
    assert page.errors == []
