"""Report text is data, end to end: hostile names, notes, goals and indicators through the real
department report notebook to HTML and PDF (nothing runs, nothing is fetched, nothing is embedded)."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from perfeval._paths import DEFAULT_DATASET
from test_export import POPPLER, _CountingServer, _secret

pytestmark = pytest.mark.e2e


def _hostile_dataset(folder: Path, url: str, secret: Path) -> dict[str, str]:
    shutil.copytree(DEFAULT_DATASET, folder)
    payload = {
        "name": f'网信办<script>alert(1)</script><img src="{url}/name.png" onerror=alert(2)>',
        "note": f'# 新标题 <h1>新的运行标题</h1> <link rel="attachment" href="{secret.as_uri()}"> [点我](javascript:alert(3))',
        "goal": "目标 *强调* | 列 | $x^2$ <iframe src=\"" + secret.as_uri() + "\"></iframe>",
        "indicator": "舆情处置<b onmouseover=alert(4)>率</b> `代码`",
    }
    deps = pd.read_csv(folder / "departments.csv", dtype=str, keep_default_na=False)
    deps.loc[deps["dept_id"] == "hyx-wxb", ["name", "note"]] = [payload["name"], payload["note"]]
    deps.to_csv(folder / "departments.csv", index=False)
    goals = pd.read_csv(folder / "goals.csv", dtype=str, keep_default_na=False)
    goals.loc[goals.index[0], "goal"] = payload["goal"]
    goals.to_csv(folder / "goals.csv", index=False)
    ind = pd.read_csv(folder / "indicators.csv", dtype=str, keep_default_na=False)
    ind.loc[ind.index[0], "name"] = payload["indicator"]
    ind.to_csv(folder / "indicators.csv", index=False)
    return payload


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    secret = _secret(tmp)
    with _CountingServer() as server:
        payload = _hostile_dataset(tmp / "ds", server.url, secret)
        out = tmp / "out"
        proc = subprocess.run(
            [sys.executable, "-m", "perfeval.cli", "report", str(tmp / "ds"), "--dept", "hyx-wxb",
             "--to", "html,pdf", "-o", str(out), "--no-progress"],
            capture_output=True, text=True, timeout=600,
        )
        hits = list(server.hits)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return payload, out, hits


def test_hostile_text_is_shown_not_run(hostile_reports):
    payload, out, hits = hostile_reports
    page = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert not re.search(r"<[a-z][^>]*\son(error|mouseover|load|click)\s*=", page, re.I)
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", page, re.I)
    assert "<iframe" not in page and "<h1>新的运行标题" not in page and "<b onmouseover" not in page
    assert len(re.findall(r"<h1\b", page)) == 1  # the report's own title only
    visible = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "网信办<script>alert(1)</script>" in visible  # the name as the report wrote it
    assert "舆情处置<b onmouseover=alert(4)>率</b>" in visible
    assert hits == []


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_hostile_text_in_pdf_is_text_and_nothing_is_embedded(hostile_reports):
    payload, out, hits = hostile_reports
    pdf = next(out.glob("*.pdf"))
    data = pdf.read_bytes()
    assert b"/EmbeddedFile" not in data and b"TOP-SECRET" not in data
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "<script>alert(1)</script>" in text.replace("\n", "")
    first_page = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                                check=True).stdout
    assert first_page.count("新的运行标题") <= 1  # shown once as text, never the running title
    assert hits == []
