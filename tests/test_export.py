"""HTML/PDF export: no code, no remote resources, embedded images, bundled font, A4."""
from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from perfeval import _fonts
from perfeval._export import (
    MAX_STEM_BYTES,
    safe_filename,
    to_html,
    to_pdf,
    unique_stems,
    write_text_atomic,
)

POPPLER = all(shutil.which(t) for t in ("pdffonts", "pdftotext", "pdftoppm"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdffonts/pdftotext/pdftoppm) not installed")

# Spaced so that pdftotext -bbox gives one box per character (see test_pdf_glyphs_are_not_tofu).
PROBE = "预 算 执 行 率 绩 效 评 价 部 门"


def _png_b64() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _fonts.use_cjk_font()
    fig, ax = plt.subplots(figsize=(4, 2))
    ax.bar(["基本支出", "项目支出"], [3, 5])
    ax.set_title("支出结构")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def executed_notebook(rows: int = 80) -> nbformat.NotebookNode:
    """An 'executed' notebook built by hand: markdown, chart, table, stderr, params."""
    import pandas as pd

    params = new_code_cell("dept_id = 'x'  # SECRET_PARAM_SOURCE")
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell("dept_id = 'hyx'  # INJECTED_SOURCE")
    injected.metadata["tags"] = ["injected-parameters"]
    chart = new_code_cell(
        "fig, ax = plt.subplots()  # CHART_SOURCE",
        outputs=[
            new_output("stream", name="stderr", text="UserWarning: STDERR_NOISE\n"),
            new_output("display_data", data={"image/png": _png_b64(), "text/plain": "<Figure>"}),
        ],
        execution_count=3,
    )
    frame = pd.DataFrame({"项目": [f"科目{i}" for i in range(rows)], "金额（万元）": [i * 1.5 for i in range(rows)]})
    table = new_code_cell(
        "frame  # TABLE_SOURCE",
        outputs=[new_output("execute_result", data={"text/html": frame.to_html(), "text/plain": "frame"},
                            execution_count=4)],
        execution_count=4,
    )
    hidden = new_code_cell("x = 1  # HIDDEN", outputs=[new_output("stream", name="stdout", text="HIDDEN_OUT\n")])
    hidden.metadata["tags"] = ["remove_cell"]
    nb = new_notebook(cells=[
        new_markdown_cell("# 部门整体支出绩效自评分析报告"),
        params,
        injected,
        new_markdown_cell(f"## 一、预算执行\n\n{PROBE}\n\n预算执行率≥95%，偏差≤5%，①②。"),
        chart,
        table,
        hidden,
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.fixture(scope="module")
def nb() -> nbformat.NotebookNode:
    return executed_notebook()


@pytest.fixture(scope="module")
def html(nb) -> str:
    return to_html(nb)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory, html) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "报告.pdf"
    to_pdf(html, path)
    return path


# --------------------------------------------------------------------------- HTML


def test_html_has_no_code_and_no_prompts(html):
    for marker in ("CHART_SOURCE", "TABLE_SOURCE", "SECRET_PARAM_SOURCE", "INJECTED_SOURCE", "HIDDEN"):
        assert marker not in html
    assert "In&nbsp;[" not in html and "Out[" not in html
    assert 'class="input' not in html and "jp-InputArea" not in html


def test_html_has_no_remote_resources(html):
    assert not re.search(r"<script[^>]*src=[\"']?(https?:)?//", html, re.I)
    assert not re.search(r"<link[^>]*href=[\"']?(https?:)?//", html, re.I)
    assert "@import" not in html
    assert "<script" not in html.lower()


def test_html_embeds_images_and_keeps_text_and_tables(html, nb):
    srcs = re.findall(r'<img[^>]*src="([^"]*)"', html)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "No description has been provided" not in html and 'alt="图表"' in html
    assert "部门整体支出绩效自评分析报告" in html and "预算执行率≥95%" in html
    assert "<table" in html and "科目79" in html
    assert "STDERR_NOISE" not in html  # warnings are not for readers
    assert "<title>部门整体支出绩效自评分析报告</title>" in html
    assert len(html) < 200_000  # the font is not inlined in the HTML


def test_to_html_does_not_mutate_notebook():
    original = executed_notebook(rows=3)
    copy = nbformat.from_dict(nbformat.reads(nbformat.writes(original), as_version=4))
    to_html(original)
    assert nbformat.writes(original) == nbformat.writes(copy)


def test_remote_scripts_in_outputs_are_removed():
    nb = new_notebook(cells=[new_code_cell("x", outputs=[new_output(
        "display_data",
        data={"text/html": '<script src="https://cdn.example.org/lib.js"></script>'
                           '<link rel="stylesheet" href="http://cdn.example.org/a.css">'
                           '<style>@import url("https://fonts.example.org/x.css");</style><b>保留</b>'})])])
    out = to_html(nb)
    assert "example.org" not in out and "<b>保留</b>" in out


# --------------------------------------------------------------------------- PDF


def _pdffonts(path: Path) -> list[list[str]]:
    text = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in text.splitlines()[2:] if line.strip()]


@needs_poppler
def test_pdf_embeds_only_the_bundled_font_and_no_type3(pdf):
    rows = _pdffonts(pdf)
    assert rows, "no fonts listed"
    ps_name = _fonts.FONT_FAMILY.replace(" ", "-")
    ours = [r for r in rows if r[0].split("+")[-1].startswith(ps_name)]
    assert ours, rows
    text = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Type 3" not in text
    for line in text.splitlines()[2:]:
        cols = line.split()
        # columns: name, type (1-3 words), encoding, emb, sub, uni, object ID (2)
        emb = cols[-5]
        assert emb == "yes", line
    assert all(r[0].split("+")[-1].startswith(ps_name) for r in rows), rows  # no system font used


@needs_poppler
def test_pdf_is_a4_with_page_numbers_and_repeated_headers(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size and abs(float(size[1]) - 595.28) < 1 and abs(float(size[2]) - 841.89) < 1
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert pages >= 2  # 80 table rows do not fit one page
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    per_page = [re.sub(r"\s+", "", page) for page in text.split("\f")]
    assert f"第1页/共{pages}页" in per_page[0]
    assert f"第2页/共{pages}页" in per_page[1]
    assert "金额（万元）" in per_page[1]  # table header repeated on the continuation page


@needs_poppler
def test_pdf_text_is_real_chinese(pdf):
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "部门整体支出绩效自评分析报告" in text
    assert "预算执行率≥95%" in text
    assert "HIDDEN_OUT" not in text and "CHART_SOURCE" not in text


@needs_poppler
def test_pdf_glyphs_are_not_tofu(pdf, tmp_path):
    """Render page 1 and compare the pixels of each probe character.

    A missing glyph is drawn as the same ``.notdef`` box whatever the character,
    so the crops of different characters would be (nearly) identical.  Real
    glyphs have ink and differ from one another.  Character boxes come from
    ``pdftotext -bbox`` (the probe characters are separated by spaces).
    """
    from PIL import Image, ImageChops

    dpi = 100
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    page = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    bbox = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    boxes = {}
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.)</word>', bbox):
        ch = m[5]
        if ch in PROBE and ch not in boxes:
            k = dpi / 72
            boxes[ch] = tuple(round(float(v) * k) for v in m.groups()[:4])
    chars = [c for c in PROBE.split()]
    assert set(boxes) == set(chars), (boxes, bbox[:500])
    w = min(b[2] - b[0] for b in boxes.values())
    h = min(b[3] - b[1] for b in boxes.values())
    crops = {c: page.crop((b[0], b[1], b[0] + w, b[1] + h)) for c, b in boxes.items()}
    for c, crop in crops.items():
        dark = sum(crop.histogram()[:128])
        assert dark > 0.05 * w * h / 4, (c, dark)  # some ink
    diffs = []
    for i, a in enumerate(chars):
        for b in chars[i + 1:]:
            d = ImageChops.difference(crops[a], crops[b])
            diffs.append(sum(d.histogram()[97:]) / (w * h))
    assert min(diffs) > 0.03, min(diffs)  # measured ≈0.14 for real glyphs; identical boxes give 0  # every pair of characters looks different


def test_to_pdf_is_atomic_and_leaves_no_temp_files(tmp_path, html):
    target = tmp_path / "out" / "r.pdf"
    target.parent.mkdir()
    target.write_bytes(b"old")
    to_pdf(html, target)
    assert target.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in target.parent.iterdir()) == ["r.pdf"]


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    import os

    target = tmp_path / "a.html"
    write_text_atomic(target, "旧")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_text_atomic(target, "新")
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "旧"
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]


# --------------------------------------------------------------------------- names

WINDOWS_FORBIDDEN = set('<>:"/\\|?*')


def _assert_safe(stem: str) -> None:
    assert stem and stem not in {".", ".."}
    assert not (set(stem) & WINDOWS_FORBIDDEN)
    assert all(unicodedata.category(c)[0] != "C" for c in stem)
    assert not stem.startswith((".", "-", " ")) and not stem.endswith((".", " "))
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    assert stem.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../x", "x"),
        ("..\\..\\etc\\passwd", "etc_passwd"),
        ('a/b\\c:d*?"<>|', "a_b_c_d"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("com1", "_com1"),
        ("", "未命名"),
        ("   ", "未命名"),
        ("...", "未命名"),
        (None, "未命名"),
        ("衡阳县网信办（本级）", "衡阳县网信办（本级）"),
        ("教育局\n\t 2021", "教育局 2021"),
        ("a\x00b\x1fc", "a_b_c"),
        ("部门\u200b名称", "部门名称"),
        ("📊 财政局 🎉", "📊 财政局 🎉"),
    ],
)
def test_safe_filename_examples(raw, expected):
    assert safe_filename(raw) == expected
    _assert_safe(safe_filename(raw))


def test_safe_filename_length_limit_keeps_whole_characters():
    stem = safe_filename("部" * 300)
    _assert_safe(stem)
    assert set(stem) == {"部"} and len(stem) == MAX_STEM_BYTES // 3
    ascii_stem = safe_filename("x" * 300)
    assert ascii_stem == "x" * MAX_STEM_BYTES


def test_safe_filename_really_creates_files(tmp_path):
    hostile = ["../x", 'a/b\\c:d*?"<>|', "CON", "x" * 300, "", "😀" * 80, "..", "/", "\\\\server\\share"]
    for raw in hostile:
        path = tmp_path / (safe_filename(raw) + ".ipynb")
        path.write_text("{}", encoding="utf-8")
        assert path.parent == tmp_path and path.exists()


def test_unique_stems_disambiguates_collisions():
    stems = unique_stems(["财政/局", "财政:局", "Ab", "aB", "教育局"])
    assert stems == ["财政_局", "财政_局_2", "Ab", "aB_2", "教育局"]
    assert len({s.casefold() for s in stems}) == len(stems)


@pytest.mark.parametrize("names", [
    ["局_2", "局", "局"],                         # a suffix must not repeat a stem already given
    ["A", "a", "a_2", "A_2"],                     # case, and suffixes colliding with names
    ["局" * 60 + "甲", "局" * 60 + "乙", "局" * 60 + "丙"],   # equal after truncation to the byte limit
])
def test_unique_stems_never_repeat_a_name(names):
    stems = unique_stems(names)
    assert len({s.casefold() for s in stems}) == len(names), stems
    assert all(len(s.encode("utf-8")) <= 150 for s in stems)


# --------------------------------------------------------------------------- report tables in the PDF
def _words(pdf: Path) -> list[tuple[float, float, float, float, str]]:
    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)]


@needs_poppler
def test_report_table_pdf_alignment_and_no_wrapping(tmp_path):
    """Text columns start at the left of their header, numbers end at the right of
    theirs, short cells stay on one line, and a long message appears in full."""
    import pandas as pd

    from perfeval._narrative import report_table

    message = "指标「上级下发网宣网评任务完成率」已达成（完成值「100%」达到指标值「100%」），得满分10，却只得9分（分值10分）。" * 2
    frame = pd.DataFrame({"severity": ["错误", "警告"], "code": ["deduction_without_shortfall", "vague_actual"],
                          "score": [9.0, 98.3561], "message": [message, "短"]})
    table = report_table(frame, {"severity": ("级别", "text"), "code": ("问题", "finding"),
                                 "score": ("得分", "score"), "message": ("说明", "long")}, index=True)
    nb = new_notebook(cells=[
        new_markdown_cell("# 表格"),
        new_code_cell("t", outputs=[new_output("execute_result", execution_count=1,
                                               data={"text/html": table.to_html(), "text/plain": repr(table)})],
                      execution_count=1),
    ])
    html = to_html(nb)
    assert "white-space: nowrap" in html and 'class="perfeval-table wide"' in html
    pdf = to_pdf(html, tmp_path / "t.pdf")
    words = _words(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "deduction_without_shortfall" not in text and "指标已达成却被扣分" in text
    assert "…" not in text and "却只得9分（分值10分）。" in re.sub(r"\s+", "", text)

    def box(word: str) -> tuple[float, float, float, float, str]:
        hits = [w for w in words if w[4] == word]
        assert hits, (word, [w[4] for w in words])
        return hits[0]

    level, err = box("级别"), box("错误")
    assert abs(err[0] - level[0]) < 1.5  # text: left-aligned under its header
    assert err[2] - err[0] > 1.1 * (err[3] - err[1])  # "错误" on one line (two glyphs wide, box ~1.4× its height)
    score_head, nine, big = box("得分"), box("9分"), box("98.36分")
    assert abs(nine[2] - big[2]) < 1.0 and abs(big[2] - score_head[2]) < 1.5  # numbers right-aligned
    assert nine[0] > score_head[0] + 2  # … and not left-aligned


@needs_poppler
def test_report_table_with_units_note_splits_across_pages(tmp_path):
    """A long table with a units note starts right under the preceding text and is
    split across pages (rows are never split, the note stays with the table)."""
    import pandas as pd

    from perfeval._narrative import report_table

    frame = pd.DataFrame({"item": [f"科目{i:03d}" for i in range(90)], "actual": [i * 1.25 for i in range(90)]})
    table = report_table(frame, {"item": ("科目", "text"), "actual": ("全年执行数", "wan")}, units="caption")
    assert table.units_note == "金额单位：万元"
    filler = "\n\n".join(["预算执行率分析。" * 20] * 3)
    nb = new_notebook(cells=[
        new_markdown_cell(f"# 表格\n\n{filler}"),
        new_code_cell("t", outputs=[new_output("display_data", data={"text/html": table.to_html(),
                                                                     "text/plain": repr(table)})]),
    ])
    pdf = to_pdf(to_html(nb), tmp_path / "t.pdf")
    page1 = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "金额单位：万元" in page1 and "科目000" in page1 and "科目089" not in page1


# --------------------------------------------------------------------------- hostile markup


class _CountingServer:
    """A loopback HTTP server that counts the requests it gets (nothing may reach it)."""

    def __enter__(self):
        import http.server
        import threading

        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(base64.b64decode(_png_b64()))

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _hostile_page(url: str, secret: Path) -> str:
    nb = new_notebook(cells=[
        new_markdown_cell("# 报告"),
        new_code_cell("x", outputs=[new_output("display_data", data={"text/html": (
            f'<link rel="attachment" href="{secret.as_uri()}" title="秘密">'
            f'<a rel="attachment" href="{secret.as_uri()}">附件</a>'
            f'<img src="{url}/img.png"><img src="{secret.with_suffix(".png").as_uri()}">'
            f'<div style="background: url({url}/bg.png)">背景</div>'
            f'<style>@font-face {{ font-family: X; src: url({url}/font.otf); }} p {{ font-family: X; }}</style>'
            f'<link rel="stylesheet" href="{url}/style.css">'
            f'<object data="{secret.as_uri()}"></object><embed src="{secret.as_uri()}">'
            f'<iframe src="{secret.as_uri()}"></iframe><p>正文保留</p>'
        )})]),
    ])
    return to_html(nb)


def _secret(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-本机文件内容", encoding="utf-8")
    (tmp_path / "secret.png").write_bytes(base64.b64decode(_png_b64()))
    return secret


def test_html_forbids_scripts_and_requests(tmp_path):
    nb = new_notebook(cells=[new_code_cell("x", outputs=[new_output(
        "display_data", data={"text/html": "<script>alert(1)</script><p>正文</p><script>unclosed"})])])
    out = to_html(nb)
    assert "<script" not in out.lower() and "alert" not in out and "正文" in out
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', out)
    assert csp and "default-src 'none'" in csp.group(1) and "script-src" not in csp.group(1)
    assert "img-src data:" in csp.group(1) and "font-src data:" in csp.group(1)


def test_pdf_renderer_fetches_nothing_and_embeds_no_file(tmp_path):
    secret = _secret(tmp_path)
    with _CountingServer() as server:
        html = _hostile_page(server.url, secret)
        pdf = to_pdf(html, tmp_path / "out.pdf")
        assert server.hits == []
    data = pdf.read_bytes()
    assert b"/EmbeddedFile" not in data and b"TOP-SECRET" not in data
    if POPPLER:
        images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert len(images.splitlines()) == 2, images  # header lines only: no image was read
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "正文保留" in text


def test_hostile_page_would_leak_without_the_guard(tmp_path):
    """The same page through weasyprint's own fetcher does embed and fetch (so the test above can fail)."""
    from weasyprint import HTML

    secret = _secret(tmp_path)
    with _CountingServer() as server:
        html = _hostile_page(server.url, secret)
        data = HTML(string=html).write_pdf()
        assert server.hits
    assert b"/EmbeddedFile" in data


@needs_poppler
def test_pdf_keeps_the_bundled_font_and_data_images(tmp_path):
    nb = new_notebook(cells=[new_markdown_cell("# 报告"), new_code_cell("x", outputs=[new_output(
        "display_data", data={"image/png": _png_b64(), "text/plain": "图"})])])
    pdf = to_pdf(to_html(nb), tmp_path / "ok.pdf")
    ps_name = _fonts.FONT_FAMILY.replace(" ", "-")
    assert any(r[0].split("+")[-1].startswith(ps_name) for r in _pdffonts(pdf))
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) >= 3  # two header lines and the chart


def test_reused_exporter_keeps_no_state_between_reports():
    """to_html reuses one nbconvert exporter per thread: a page shows only its own notebook."""
    first = new_notebook(cells=[new_markdown_cell("# 甲部门报告"), new_code_cell("x", outputs=[new_output(
        "display_data", data={"image/png": _png_b64(), "text/plain": "<Figure>"})])])
    second = new_notebook(cells=[new_markdown_cell("# 乙部门报告\n\n只有文字。")])
    page_one, page_two = to_html(first), to_html(second)
    assert "甲部门报告" in page_one and "data:image/png" in page_one
    assert "乙部门报告" in page_two
    assert "甲部门报告" not in page_two and "data:image/png" not in page_two
    assert to_html(first) == page_one
