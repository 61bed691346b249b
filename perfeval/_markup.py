"""Report text is data, never markup: the one home for escaping it.

Text read from a report (department names, notes, goals, indicator names, finding
messages) reaches the HTML and PDF reports through Markdown cells and HTML tables.
Every such text goes through :func:`md_escape` (Markdown) or :func:`html.escape`
(HTML) so that ``<script>``, ``onerror=``, ``javascript:`` links, ``*``, ``#`` or
``|`` in a report are shown as the characters they are and never become markup.

:func:`defang_html` serves the other direction: an HTML-flavoured legacy ``.doc``
is stripped of everything that could make LibreOffice fetch a URL or read a local
file before it is converted for import.
"""
from __future__ import annotations

import html as _html
import re
from typing import Any

__all__ = ["md_escape", "defang_html"]

# ASCII punctuation that Markdown (CommonMark, GFM tables and strikethrough,
# nbconvert's math) reads as syntax anywhere in a line: each is backslash-escaped
# (CommonMark renders ``\x`` as ``x`` for every ASCII punctuation ``x``). ``&``,
# ``<`` and ``>`` become HTML entities instead, so no raw HTML (tags, comments,
# autolinks) survives; ``:`` is escaped so that no bare ``http://`` becomes a link,
# ``(`` and ``)`` so that ``\\(`` never opens math. ``.``, ``-``, ``+`` only matter where a block starts
# (lists, thematic breaks) and are escaped there, so numbers such as 85.8361 and
# -3.5 stay as they are in the Markdown source.
_MD_PUNCT = re.compile(r"([\\`*_\[\]()#|~$^=:])")
_BLOCK_START = re.compile(r"^([ \t]*)(?:([-+])|(\d{1,9})([.)]))")
# Line and paragraph breaks would start a new block (a heading, a list, a quote).
_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")


def md_escape(text: Any) -> str:
    """Return ``text`` as Markdown that renders exactly as the characters it holds.

    HTML special characters become entities, Markdown punctuation is
    backslash-escaped, line breaks become spaces (a value never starts a new
    block) and control characters are dropped. ``None`` gives ``""``.

    Examples
    --------
    >>> print(md_escape("# 标题 <b>粗</b> *强调* | 表"))
    \\# 标题 &lt;b&gt;粗&lt;/b&gt; \\*强调\\* \\| 表
    >>> print(md_escape("1. 执行率99.56%，减少-3.5万元"))
    1\\. 执行率99.56%，减少-3.5万元
    """
    if text is None:
        return ""
    s = _CONTROL.sub("", _BREAKS.sub(" ", str(text)))
    s = _html.escape(s, quote=False)
    # Escape punctuation outside the entities just produced (&lt; &gt; &amp;).
    parts = re.split(r"(&(?:lt|gt|amp);)", s)
    s = "".join(p if i % 2 else _MD_PUNCT.sub(r"\\\1", p) for i, p in enumerate(parts))
    s = _BLOCK_START.sub(lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else m.group(3) + "\\" + m.group(4)), s)
    # Leading indentation would make an indented code block: keep it as entities.
    stripped = s.lstrip(" \t")
    return "&#32;" * (len(s) - len(stripped)) + stripped


# Elements whose content or attributes can point outside the document.
_DROP_ELEMENTS = (
    "script", "style", "link", "base", "meta", "img", "image", "iframe", "frame", "frameset",
    "object", "embed", "applet", "svg", "math", "audio", "video", "source", "track", "picture",
    "form", "input", "button", "textarea", "select", "noscript", "template", "portal",
)
_KEEP_ATTRIBUTES = frozenset({"colspan", "rowspan"})


def defang_html(data: bytes) -> bytes:
    """Strip an HTML document of every reference to another resource.

    Keeps the text and the table structure (``colspan``/``rowspan``) and drops
    every other attribute (``src``, ``href``, ``style`` with ``url()``, event
    handlers, ...), every comment and processing instruction, and the elements
    that load or embed something (scripts, styles, links, images, frames,
    objects). The result is UTF-8 HTML with a ``<meta charset>``.

    Examples
    --------
    >>> out = defang_html(b'<p>a<img src="http://x/y.png"><a href="file:///etc/passwd">b</a></p>')
    >>> b"http" in out or b"file:" in out, b"a" in out and b"b" in out
    (False, True)
    """
    import lxml.etree as etree
    import lxml.html

    try:
        root = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError):
        return b'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>'
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, *_DROP_ELEMENTS, with_tail=False)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for name in list(el.attrib):
            if name.lower() not in _KEEP_ATTRIBUTES:
                del el.attrib[name]
    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    meta = etree.Element("meta", charset="utf-8")
    head.insert(0, meta)
    return b"<!DOCTYPE html>\n" + etree.tostring(root, method="html", encoding="utf-8")
