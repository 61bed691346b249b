"""Export executed notebooks to self-contained HTML and to PDF.

HTML
    nbconvert's ``basic`` template (cell bodies only, no ``<head>``) wrapped in a
    perfeval page with inline CSS.  Code cells' inputs and prompts are hidden,
    images are ``data:`` URIs, and no script, stylesheet or font is fetched from
    the network (scripts, remote ``<link href>`` and ``@import`` that an output
    might carry are removed). Report text reaches the page escaped (see
    :mod:`perfeval._markup`), and a Content-Security-Policy (:data:`CSP`) tells the
    browser to run no script and load nothing but ``data:`` images and fonts, so
    markup that slipped through anyway stays inert.  The bundled font is embedded as
    a ``data:`` URI ``@font-face``, cut down to the characters the page uses (a few
    dozen KB), so the page renders the same on a machine without any Chinese font.
    Every table sits in its own ``div.table-wrap`` that scrolls sideways on a narrow
    screen (a phone at 390 px) while text and charts fit the width.
PDF
    weasyprint renders the same HTML with an extra print stylesheet: A4, page
    numbers "第 N 页 / 共 M 页", table rows never split across pages, header rows
    repeated, and an ``@font-face`` pointing at the bundled font file, which
    weasyprint subsets and embeds (no browser, no LaTeX, no system font needed).
    weasyprint gets a URL fetcher (:func:`pdf_url_fetcher`) that serves only
    ``data:`` URIs and the package's own font: a link, image or stylesheet in the
    HTML that names a web address or a local file is refused, never fetched or
    embedded.

Every file is written atomically (temporary file in the same folder, then
:func:`os.replace`).
"""
from __future__ import annotations

import copy
import glob
import html as _html
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from perfeval._fonts import css_font_stack, font_face_css, font_face_css_subset

from perfeval._paths import FONTS_DIR

if TYPE_CHECKING:  # nbformat imports jsonschema's format checkers: seconds, so only when used
    import nbformat

#: Cell tags whose cells are left out of HTML/PDF entirely.
REMOVE_CELL_TAGS: frozenset[str] = frozenset(
    {"parameters", "injected-parameters", "remove_cell", "remove-cell", "hide", "hide-cell"}
)
#: Cell tags whose outputs are left out of HTML/PDF.
REMOVE_OUTPUT_TAGS: frozenset[str] = frozenset(
    {"remove_output", "remove-output", "hide_output", "hide-output"}
)

#: Table rules (plain ``%``, inserted as a value), shared with the explorer in JupyterLab and Voilà.
TABLE_CSS = """
table { border-collapse: collapse; margin: .6em 0 1em; font-size: .86rem;
        max-width: 100%; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #c8d3df; padding: 3px 7px; vertical-align: top;
         overflow-wrap: anywhere; }
thead th { background: #e8eef5; }
tbody tr:nth-child(even) { background: #f6f8fb; }
td { text-align: right; }
th { text-align: left; }
td.text, td.left, .left { text-align: left; }
/* Tables from perfeval.narrative.report_table: text left, numbers right; short
   columns never wrap, long text (位置, 说明, 依据) wraps and takes the width. */
table.perfeval-table { width: auto; table-layout: auto; }
table.perfeval-table.wide { width: 100%; }
table.perfeval-table th { vertical-align: bottom; overflow-wrap: normal; }
table.perfeval-table td { overflow-wrap: normal; }
table.perfeval-table .num { text-align: right; white-space: nowrap; }
table.perfeval-table .text { text-align: left; white-space: nowrap; }
table.perfeval-table th.num, table.perfeval-table th.text { white-space: normal; }
table.perfeval-table th.nowrap { white-space: nowrap; }
table.perfeval-table .long { text-align: left; white-space: normal; overflow-wrap: anywhere;
                             min-width: 7em; }
p.perfeval-table-caption { margin: .6em 0 0; font-size: .86rem; break-after: avoid; }
p.perfeval-table-caption + .table-wrap > table { margin-top: .2em; }
"""

SCREEN_CSS = """
:root { color-scheme: light; }
html { font-size: 15px; }
body {
  font-family: %(stack)s;
  color: #1a1a1a; background: #fff; line-height: 1.6;
  max-width: 980px; margin: 0 auto; padding: 24px 28px 48px;
}
h1, h2, h3, h4 { font-weight: bold; line-height: 1.3; color: #12355b; }
h1 { font-size: 1.7rem; border-bottom: 2px solid #12355b; padding-bottom: .25em; }
h2 { font-size: 1.35rem; margin-top: 1.6em; border-bottom: 1px solid #c8d3df; padding-bottom: .15em; }
h3 { font-size: 1.12rem; margin-top: 1.3em; }
a.anchor-link { display: none; }
p, li { orphans: 2; widows: 2; }
img, svg { max-width: 100%%; height: auto; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .86rem;
      font-family: "DejaVu Sans Mono", Consolas, monospace, %(stack)s; margin: .3em 0; }
%(tables)s/* Each table scrolls inside its own box on a narrow screen; the page does not. */
.table-wrap { max-width: 100%%; overflow-x: auto; -webkit-overflow-scrolling: touch; }
p, li, h1, h2, h3, h4, blockquote { overflow-wrap: anywhere; }
@media (max-width: 600px) {
  html { font-size: 14px; }
  body { padding: 12px 12px 32px; }
}
p.perfeval-table-caption .title { font-weight: bold; margin-right: 1em; }
p.perfeval-table-caption .units { color: #555; font-size: .95em; }
.dataframe caption, table caption { caption-side: top; text-align: left; font-weight: bold;
                                   padding-bottom: .3em; }
.output_stderr { display: none; }
.output_error pre { color: #8b0000; }
.perfeval-failed { border: 2px solid #b03a3a; padding: .5em 1em; background: #fbeaea; }
.cell { margin: 0; }
"""

PRINT_CSS = """
%(font_face)s
@page {
  size: A4;
  margin: 20mm 16mm 20mm 16mm;
  @top-right { content: string(doctitle); font-family: %(stack)s; font-size: 8pt; color: #666; }
  @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";
                   font-family: %(stack)s; font-size: 8.5pt; color: #444; }
}
html { font-size: 10.5pt; }
body { max-width: none; margin: 0; padding: 0; font-family: %(stack)s; }
h1 { string-set: doctitle content(); font-size: 18pt; }
h2 { font-size: 14pt; }
h3 { font-size: 12pt; }
h1, h2, h3, h4 { break-after: avoid; }
img, svg { max-width: 100%%; break-inside: avoid; }
table { break-inside: auto; font-size: 8.5pt; }
thead { display: table-header-group; }
tfoot { display: table-footer-group; }
tr, img { break-inside: avoid; }
.table-wrap { overflow: visible; }
pre { font-family: %(stack)s; font-size: 8.5pt; }
tbody tr:nth-child(even) { background: #f6f8fb; }
"""

#: The page's Content-Security-Policy: no script, no request; inline CSS, and
#: images and fonts only as ``data:`` URIs.
CSP = ("default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'")

# Every script, inline or remote: a static report needs none.
_SCRIPT = re.compile(r"<script\b.*?(?:</script\s*>|$)", re.IGNORECASE | re.DOTALL)
_REMOTE_LINK = re.compile(
    r"<link\b[^>]*\bhref\s*=\s*['\"]?\s*(?:https?:)?//[^>]*>", re.IGNORECASE
)
_REMOTE_IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]?(?:https?:)?//[^;]*;", re.IGNORECASE)


def _strip_remote(text: str) -> str:
    """Remove scripts, remote stylesheets and CSS imports from an HTML fragment."""
    text = _SCRIPT.sub("", text)
    text = _REMOTE_LINK.sub("", text)
    return _REMOTE_IMPORT.sub("", text)


_TABLE_OPEN = re.compile(r"<table\b", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_DATA_URI = re.compile(r"data:[^\"')\s]+")


def _wrap_tables(body: str) -> str:
    """Put every ``<table>`` in a ``div.table-wrap`` (its own sideways scroll box)."""
    body = _TABLE_OPEN.sub('<div class="table-wrap"><table', body)
    return _TABLE_CLOSE.sub("</table></div>", body)


def _visible_text(body: str) -> str:
    """The characters a reader can see in an HTML fragment (tags and data URIs removed)."""
    return _html.unescape(_TAG.sub(" ", _DATA_URI.sub("", body)))


def _report_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` trimmed for readers: no parameter cells, no stderr."""
    import nbformat

    out = nbformat.from_dict(copy.deepcopy(nb))
    cells = []
    for cell in out.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVE_CELL_TAGS:
            continue
        if cell.cell_type == "code":
            if tags & REMOVE_OUTPUT_TAGS:
                cell.outputs = []
            else:
                cell.outputs = [
                    o for o in cell.get("outputs", [])
                    if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                ]
            if not cell.outputs:
                continue
        cells.append(cell)
    out.cells = cells
    return out


def notebook_title(nb: nbformat.NotebookNode, default: str = "报告") -> str:
    """Return the report title: ``metadata.perfeval.title``, else the first ``# `` heading."""
    meta = nb.get("metadata", {}).get("perfeval", {})
    if isinstance(meta, dict) and meta.get("title"):
        return str(meta["title"])
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in str(cell.source).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return default


_EXPORTERS = threading.local()


def _html_exporter():
    """This thread's nbconvert ``HTMLExporter`` (basic template, inputs and prompts hidden).

    Built once per thread and reused: building one loads and compiles its Jinja
    templates, which costs as much as converting a report. One per thread because an
    exporter keeps per-conversion state (the batch exports in a worker thread).
    """
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = _EXPORTERS.html = HTMLExporter(
            template_name="basic",
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
        )
    return exporter


def to_html(nb: nbformat.NotebookNode, *, title: str | None = None) -> str:
    """Render an executed notebook as one self-contained HTML page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (not modified).
    title : str, optional
        The ``<title>``; defaults to :func:`notebook_title`.

    Returns
    -------
    str
        A complete HTML document with inline CSS, code inputs and prompts hidden,
        images embedded as ``data:`` URIs, and no reference to a remote script,
        stylesheet or font.
    """
    body, _ = _html_exporter().from_notebook_node(_report_notebook(nb))
    body = _strip_remote(body).replace('alt="No description has been provided for this image"', 'alt="图表"')
    body = _wrap_tables(body)
    raw_title = title if title is not None else notebook_title(nb)
    page_title = _html.escape(raw_title)
    css = SCREEN_CSS % {"stack": css_font_stack(), "tables": TABLE_CSS}
    # Screen only: weasyprint (print) embeds its own subset from the font file.
    font = font_face_css_subset(raw_title + _visible_text(body))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="perfeval">\n'
        f'<title>{page_title}</title>\n<style media="screen">\n{font}</style>\n'
        f"<style>\n{css}</style>\n</head>\n"
        f'<body>\n<main class="perfeval-report">\n{body}\n</main>\n</body>\n</html>\n'
    )


def print_css() -> str:
    """Return the print stylesheet the PDF route adds (A4, page numbers, font)."""
    return PRINT_CSS % {"font_face": font_face_css(embed=False), "stack": css_font_stack()}


def to_pdf(html: str, path: str | os.PathLike[str], *, base_url: str | None = None) -> Path:
    """Render HTML from :func:`to_html` to an A4 PDF with weasyprint.

    Parameters
    ----------
    html : str
        The HTML document.
    path : path-like
        Where to write the PDF (atomically).
    base_url : str, optional
        Base for relative URLs in ``html`` (none are produced by :func:`to_html`);
        whatever it points to, only ``data:`` URIs and the bundled font are read
        (:func:`pdf_url_fetcher`).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import logging

    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    fonts = FontConfiguration()
    # The print rules go into the document after the screen rules (same origin,
    # later wins); passed as weasyprint "user" stylesheets they would lose to them.
    extra = f'<style media="print">\n{print_css()}</style>\n'
    if "</head>" in html:
        html = html.replace("</head>", extra + "</head>", 1)
    else:
        html = extra + html
    document = HTML(string=html, base_url=base_url, url_fetcher=pdf_url_fetcher())
    pdf = document.write_pdf(font_config=fonts)
    return write_bytes_atomic(path, pdf)


def allowed_resource(url: str) -> bool:
    """True for the only URLs the PDF renderer may read: ``data:`` and the bundled fonts.

    Examples
    --------
    >>> from perfeval._fonts import FONT_PATH
    >>> allowed_resource(FONT_PATH.resolve().as_uri()), allowed_resource("data:image/png;base64,AA==")
    (True, True)
    >>> allowed_resource("file:///etc/passwd"), allowed_resource("http://127.0.0.1/x.png")
    (False, False)
    """
    from urllib.parse import unquote, urlsplit
    from urllib.request import url2pathname

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return True
    if scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    try:
        path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return False
    return path.is_file() and path.parent == FONTS_DIR.resolve()


def pdf_url_fetcher():
    """A weasyprint URL fetcher that refuses every URL but :func:`allowed_resource`'s.

    A refused URL raises inside weasyprint, which leaves the image, stylesheet or
    attachment out of the PDF and goes on rendering.
    """
    from weasyprint.urls import URLFetcher

    class _LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):  # noqa: D102 - weasyprint's signature
            if not allowed_resource(url):
                raise ValueError(f"perfeval 不读取报告以外的资源：{url[:120]}")
            return super().fetch(url, headers)

    return _LocalOnly(allowed_protocols=("data", "file"), allow_redirects=False, timeout=5)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temp_files(folder: str | os.PathLike[str], name: str | None = None) -> list[Path]:
    """Delete temporary files left in ``folder`` by a writer that was killed; the paths removed.

    :func:`write_bytes_atomic` names its temporary file ``.<name>.<pid>.<random>.tmp``;
    one whose process no longer runs is stale (a kill, even ``SIGKILL``, cannot
    run cleanup code, so the next write in the same folder does it).
    """
    removed = []
    pattern = f".{glob.escape(name[:40])}.*.tmp" if name else ".*.tmp"
    try:
        candidates = list(Path(folder).glob(pattern))
    except OSError:
        return removed
    for tmp in candidates:
        m = re.fullmatch(r"\..*\.(\d+)\.[^.]+\.tmp", tmp.name)
        if m is None or _pid_alive(int(m.group(1))):
            continue
        try:
            tmp.unlink()
            removed.append(tmp)
        except OSError:
            pass
    return removed


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file and :func:`os.replace`.

    A reader never sees a half-written file, and an interrupted write leaves the
    previous file (if any) in place. The file gets the mode the umask gives a
    new file (like any program's output), not ``mkstemp``'s private 0600.
    Temporary files a killed writer left beside ``path`` are removed first
    (:func:`remove_stale_temp_files`). This is the one atomic writer: every
    output (HTML, PDF, workbooks, notebooks, dataset and import CSVs) uses it.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(target.parent, target.name)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:40]}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    _IN_FLIGHT.add(tmp)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:  # an error, Ctrl-C, or SIGTERM turned into an exception by the command
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    finally:
        _IN_FLIGHT.discard(tmp)
    return target


#: temporary files :func:`write_bytes_atomic` is writing now (removed by a handler that must exit at once)
_IN_FLIGHT: set[str] = set()


def remove_in_flight_temp_files() -> None:
    """Remove this process's unfinished temporary files (for a signal handler about to ``os._exit``)."""
    for tmp in list(_IN_FLIGHT):
        try:
            os.unlink(tmp)
        except OSError:
            pass
        _IN_FLIGHT.discard(tmp)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` atomically (see :func:`write_bytes_atomic`)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_notebook_atomic(nb: nbformat.NotebookNode, path: str | os.PathLike[str]) -> Path:
    """Write a notebook as JSON atomically."""
    import nbformat

    return write_text_atomic(path, nbformat.writes(nb))


# --------------------------------------------------------------------------- names

_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in range(10)}
    | {f"LPT{i}" for i in range(10)}
    | {f"COM{c}" for c in "¹²³"}
    | {f"LPT{c}" for c in "¹²³"}
)
_FORBIDDEN = set('<>:"/\\|?*') | {"\x00"}
#: Longest file-name stem in UTF-8 bytes (ext4 allows 255 bytes for a whole name;
#: leave room for suffixes such as ``_2023.ipynb`` and temp-file prefixes).
MAX_STEM_BYTES = 150


def safe_filename(name: object, *, default: str = "未命名", max_bytes: int = MAX_STEM_BYTES) -> str:
    """Turn any text (a department name…) into a file-name stem safe everywhere.

    Parameters
    ----------
    name : object
        The text; ``None``/NA become ``default``.
    default : str, default "未命名"
        Used when nothing usable is left.
    max_bytes : int, default 150
        Upper bound on the UTF-8 length of the result (cut at a character edge).

    Returns
    -------
    str
        A non-empty stem with no path separator, no Windows-forbidden character
        (``<>:"/\\|?*``), no control or format character, no leading dot or
        dash, no trailing dot or space, not a Windows reserved device name
        (``CON``, ``NUL``, ``COM1`` … also with an extension), NFC-normalised.
        Chinese and other letters are kept; runs of replaced characters become
        one ``_``.

    Examples
    --------
    >>> safe_filename("../x")
    'x'
    >>> safe_filename('a/b\\\\c:d*?"<>|')
    'a_b_c_d'
    >>> safe_filename("CON")
    '_CON'
    >>> safe_filename("教育局（本级）")
    '教育局（本级）'
    """
    try:
        import pandas as pd

        missing = name is None or bool(pd.isna(name))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        missing = name is None
    text = "" if missing else unicodedata.normalize("NFC", str(name))
    out: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cf":  # zero-width joiners, bidi controls: drop silently
            continue
        bad = ch in _FORBIDDEN or cat in {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"}
        if cat == "Zs" or ch in "\t\n\r":
            ch, bad = " ", False
        if bad:
            if not out or out[-1] != "_":
                out.append("_")
        else:
            out.append(ch)
    stem = re.sub(r" {2,}", " ", "".join(out))
    stem = stem.strip(" ._-")  # no hidden files, no "..", no trailing dot/space
    if not stem:
        stem = default
    encoded = stem.encode("utf-8")
    if len(encoded) > max_bytes:
        stem = encoded[:max_bytes].decode("utf-8", errors="ignore").rstrip(" ._-")
    base = stem.split(".")[0].strip().upper()
    if base in _WINDOWS_RESERVED:
        stem = "_" + stem
    return stem or default


def unique_stems(names: Iterable[object], *, max_bytes: int = MAX_STEM_BYTES) -> list[str]:
    """Return :func:`safe_filename` of each name, made unique case-insensitively.

    Two departments whose names clean to the same stem (or differ only in case,
    which Windows and macOS do not distinguish, or in a tail cut off by the length
    limit) get ``_2``, ``_3`` … suffixes; a suffix never repeats a stem already
    given, and the stem is cut to make room for it.

    >>> unique_stems(["a_2", "a", "A", "a/"])
    ['a_2', 'a', 'A_3', 'a_4']
    """
    taken: set[str] = set()
    result: list[str] = []
    for name in names:
        stem = safe_filename(name, max_bytes=max_bytes)
        n = 1
        candidate = stem
        while candidate.casefold() in taken:
            n += 1
            suffix = f"_{n}"
            room = max_bytes - len(suffix.encode("utf-8"))
            cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(". ")
            candidate = (cut or "_") + suffix
        taken.add(candidate.casefold())
        result.append(candidate)
    return result


__all__ = [
    "to_html",
    "to_pdf",
    "print_css",
    "notebook_title",
    "safe_filename",
    "unique_stems",
    "write_bytes_atomic",
    "remove_stale_temp_files",
    "write_text_atomic",
    "write_notebook_atomic",
]
