"""Report text is data: Markdown escaping and HTML defanging (perfeval._markup)."""
from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from perfeval._markup import defang_html, md_escape
from perfeval.narrative import Narrative

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[点击](javascript:alert(1))",
    "<a href='javascript:alert(1)'>链接</a>",
    "# 新标题",
    "<h1>新的运行标题</h1>",
    "*强调* **粗体** _下划线_ `代码` ~~删除~~",
    "| 列1 | 列2 |\n|---|---|\n| a | b |",
    "1. 列表\n- 项目\n> 引用\n---",
    "$x^2$ 与 $$\\frac{1}{2}$$ \\(y\\)",
    "<!-- 注释 --> &amp; &lt;b&gt; &#x3C;script&#x3E;",
    "http://evil.example/x.png www.evil.example",
    "<link rel=\"attachment\" href=\"file:///etc/passwd\">",
    "    缩进成代码块",
    "\\ 反斜杠 \\\\ 结尾\\",
    "![图](http://127.0.0.1:9/x.png)",
    "- 项", "+ 项", "3) 项", "---", "12. 项", "  * 项", "***", "___", "===",
]


def _render(markdown: str) -> str:
    return markdown2html_mistune(markdown)


def _visible(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def _normal(text: str) -> str:
    text = re.sub(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+", " ", text)
    text = re.sub(r"[\x00-\x08\x0e-\x1b\x7f]", "", text)
    return " ".join(text.split())


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_its_own_characters(text):
    rendered = _render(md_escape(text))
    tags = set(re.findall(r"</?([a-zA-Z][\w-]*)", rendered))
    assert tags <= {"p"}, (text, rendered)
    assert _normal(_visible(rendered)) == _normal(text)


@given(st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs", "Cc")), max_size=60))
def test_any_text_renders_as_one_plain_paragraph(text):
    rendered = _render(md_escape(text))
    tags = set(re.findall(r"</?([a-zA-Z][\w-]*)", rendered))
    assert tags <= {"p"}, (text, rendered)
    assert _normal(_visible(rendered)) == _normal(text)


def test_escaped_text_inside_a_heading_and_a_quote_stays_inside():
    rendered = _render(f"## {md_escape('网信办 # <h1>外</h1> | x')}（2021年度）\n\n> **说明**：{md_escape('*a* [b](c)')}")
    assert rendered.count("<h2") == 1 and "<h1" not in rendered and "<em>" not in rendered
    links = re.findall(r"<a [^>]*>", rendered)
    assert all('class="anchor-link"' in a and 'href="#' in a for a in links)  # nbconvert's own heading anchor
    assert "<table" not in rendered


def test_md_escape_blank_and_plain():
    assert md_escape(None) == ""
    assert md_escape("网信办2021年度") == "网信办2021年度"
    # numbers stay readable in the Markdown source (exported notebooks, tests)
    assert md_escape("执行率99.56%，减少-3.5万元（2021.12）") == "执行率99.56%，减少-3.5万元（2021.12）"


def test_narrative_markdown_is_escaped_text_is_not():
    n = Narrative("网信办<script>1</script>")
    assert n.text == "网信办<script>1</script>"
    assert "<script>" not in n.markdown and n._repr_markdown_() == n.markdown


def test_defang_html_drops_every_reference_and_keeps_tables():
    page = (
        b'<html><head><meta charset="gbk"><link rel="stylesheet" href="http://127.0.0.1:9/a.css">'
        b'<style>body{background:url(file:///etc/passwd)}</style><base href="http://x/">'
        b'<script src="http://x/s.js"></script></head><body onload="alert(1)">'
        b'<p style="background:url(http://x/b.png)">' + '正文'.encode('gbk') + b'<img src="file:///etc/hosts"></p>'
        b'<iframe src="file:///etc/passwd"></iframe><object data="http://x/o"></object>'
        b'<!-- <img src="http://x/c.png"> -->'
        b'<table><tr><td colspan="2" onclick="x()"><a href="file:///etc/passwd">' + '表格'.encode('gbk') + b'</a></td></tr></table>'
        b'</body></html>'
    )
    out = defang_html(page).decode("utf-8")
    for needle in ("http", "file:", "url(", "onload", "onclick", "<script", "<img", "<iframe", "<object",
                   "<link", "<base", "href", "src=", "style"):
        assert needle not in out, needle
    assert "正文" in out and "表格" in out and 'colspan="2"' in out and '<meta charset="utf-8">' in out


def test_defang_html_survives_garbage():
    out = defang_html(b"\x00\xff<<<>>>")
    assert out.startswith(b"<!DOCTYPE html>")
