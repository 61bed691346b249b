"""Reading one report file: format sniffing, legacy conversion, interpretation."""
from __future__ import annotations

import functools
import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from perfeval._import._layout import ImportedReport, interpret
from perfeval._import._model import Document, ReportImportError
from perfeval._limits import (
    MAX_REPORT_BYTES, MAX_REPORT_UNCOMPRESSED, MAX_REPORT_XML, InputRefused, check_archive, read_limited,
    scan_report_sheets,
)
from perfeval._markup import defang_html

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TEXT_EXTS = {".txt", ".text", ".md", ""}
WORD_EXTS = {".docx", ".docm"}
EXCEL_EXTS = {".xlsx", ".xlsm", ".xls"}
LEGACY_WORD = {".doc", ".wps", ".rtf"}
LEGACY_EXCEL = {".et"}
SUPPORTED_EXTS = TEXT_EXTS - {""} | WORD_EXTS | EXCEL_EXTS | LEGACY_WORD | LEGACY_EXCEL
CONVERT_TIMEOUT = 180


def _is_encrypted_ole(data: bytes) -> bool:
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


def soffice_path() -> str | None:
    """The LibreOffice executable on PATH (``soffice`` or ``libreoffice``), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


# LibreOffice's settings for an import: no macros, no link updates, every web
# request sent to a closed port on the loopback (a second fence behind the
# network namespace of :func:`_isolated`).
_SOFFICE_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
%s
</oor:items>
""" % "\n".join(
    f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>'
    for path, name, value in (
        ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", 3),
        ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
        ("/org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "true"),
        ("/org.openoffice.Office.Writer/Content/Update", "Link", 2),
        ("/org.openoffice.Office.Calc/Content/Update", "Link", 2),
        ("/org.openoffice.Inet/Settings", "ooInetProxyType", 2),
        ("/org.openoffice.Inet/Settings", "ooInetNoProxy", ""),
        ("/org.openoffice.Inet/Settings", "ooInetHTTPProxyName", "127.0.0.1"),
        ("/org.openoffice.Inet/Settings", "ooInetHTTPProxyPort", 9),
        ("/org.openoffice.Inet/Settings", "ooInetHTTPSProxyName", "127.0.0.1"),
        ("/org.openoffice.Inet/Settings", "ooInetHTTPSProxyPort", 9),
        ("/org.openoffice.Inet/Settings", "ooInetFTPProxyName", "127.0.0.1"),
        ("/org.openoffice.Inet/Settings", "ooInetFTPProxyPort", 9),
    )
)


@functools.lru_cache(maxsize=1)
def _isolated() -> tuple[str, ...]:
    """The command prefix that runs LibreOffice without a network, where the system allows it.

    ``unshare --net --map-root-user`` gives the converter a network namespace of
    its own with no interface up: no request leaves it, to the internet or to the
    loopback. Where user namespaces are not allowed the prefix is empty and the
    profile's dead proxy and the HTML defanging still apply.
    """
    exe = shutil.which("unshare")
    if exe is None:
        return ()
    try:
        ok = subprocess.run([exe, "--net", "--map-root-user", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return (exe, "--net", "--map-root-user") if ok else ()


def _html_payload(data: bytes) -> bytes | None:
    """The HTML of an HTML-flavoured legacy file (HTML or a Word .mht), else None."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"mime-version") or b"\nmime-version:" in head[:512]:
        import email

        msg = email.message_from_bytes(data)
        for part in msg.walk():
            if part.get_content_type() == "text/html":
                body = part.get_payload(decode=True)
                return body if isinstance(body, bytes) else None
        return None
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head or b"<body" in head:
        return data
    return None


def convert_with_soffice(data: bytes, file: str, ext: str, target: str) -> bytes:
    """Convert a legacy file with ``soffice --headless --convert-to TARGET``.

    The conversion reads nothing but the file: an HTML-flavoured file (``.doc``
    saved as a web page, ``.mht``) is first stripped of every link, image, frame,
    script and style (:func:`perfeval._markup.defang_html`), and LibreOffice runs
    with a fresh profile (macros off, links never updated, web requests sent to a
    closed port) inside a network namespace of its own where the system allows
    one (:func:`_isolated`).

    Raises
    ------
    ReportImportError
        When LibreOffice is not installed (the message names ``soffice``) or the
        conversion fails.
    """
    exe = soffice_path()
    if exe is None:
        raise ReportImportError(
            file, f"读取 {ext or '旧版'} 文件需要 LibreOffice（程序 soffice），本机未安装；"
                  f"请安装 LibreOffice，或先在 Word/WPS 中另存为 .{target}")
    page = _html_payload(data)
    with tempfile.TemporaryDirectory(prefix="perfeval-convert-") as tmp:
        if page is not None:
            src = Path(tmp) / "report.html"
            src.write_bytes(defang_html(page))
            convert_to = {"docx": "docx:MS Word 2007 XML", "xlsx": "xlsx:Calc MS Excel 2007 XML"}[target]
            infilter = [f"--infilter={'HTML (StarWriter)' if target == 'docx' else 'HTML (StarCalc)'}"]
        else:
            src = Path(tmp) / f"report{ext or '.doc'}"
            src.write_bytes(data)
            convert_to, infilter = target, []
        out_dir = Path(tmp) / "out"
        profile_dir = Path(tmp) / "profile"
        (profile_dir / "user").mkdir(parents=True)
        (profile_dir / "user" / "registrymodifications.xcu").write_text(_SOFFICE_PROFILE, encoding="utf-8")
        cmd = [*_isolated(), exe, f"-env:UserInstallation={profile_dir.as_uri()}", "--headless", *infilter,
               "--convert-to", convert_to, "--outdir", str(out_dir), str(src)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=CONVERT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise ReportImportError(file, f"LibreOffice（soffice）转换超时（{CONVERT_TIMEOUT} 秒）") from None
        except OSError as exc:
            raise ReportImportError(file, f"无法运行 LibreOffice（soffice）：{exc.strerror or exc}") from None
        out = out_dir / f"report.{target}"
        if not out.exists():
            detail = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip()[:200]
            raise ReportImportError(file, f"LibreOffice（soffice）无法转换该文件（可能已损坏或受密码保护）{detail and '：' + detail}")
        return out.read_bytes()


def parse_bytes(data: bytes, file: str) -> Document:
    """Turn a file's bytes into the intermediate form, choosing the reader by content.

    Raises
    ------
    ReportImportError
        Empty, corrupt, truncated, encrypted, mis-named or unsupported files.
    """
    from perfeval._import._docx import parse_docx
    from perfeval._import._text import decode_text, parse_text
    from perfeval._import._xlsxin import parse_xlsx

    ext = Path(file).suffix.lower()
    if not data.strip():
        raise ReportImportError(file, "文件为空")
    if data.startswith(b"PK"):
        kind = _check_zip(data, file)
        try:
            doc = parse_docx(data, file) if kind == "docx" else parse_xlsx(data, file)
        except ReportImportError:
            raise
        except Exception as exc:  # noqa: BLE001 - any parser failure means a damaged file
            what = "Word" if kind == "docx" else "Excel"
            raise ReportImportError(file, f"文件已损坏，无法解析 {what} 内容（{type(exc).__name__}）") from None
        expected = WORD_EXTS if kind == "docx" else EXCEL_EXTS
        if ext not in expected:
            doc.remarks.append(f"扩展名 {ext or '（无）'} 与内容（{'Word .docx' if kind == 'docx' else 'Excel .xlsx'}）不符，已按内容读取")
        return doc
    if data.startswith(OLE_MAGIC):
        if _is_encrypted_ole(data):
            raise ReportImportError(file, "文件受密码保护（加密的 Office 文件），无法读取；请去掉密码后另存为 .docx 或 .xlsx")
        if ext in EXCEL_EXTS | LEGACY_EXCEL:
            return parse_bytes_converted(convert_with_soffice(data, file, ext, "xlsx"), file, "xlsx")
        return parse_bytes_converted(convert_with_soffice(data, file, ext, "docx"), file, "docx")
    if ext in LEGACY_WORD:
        return parse_bytes_converted(convert_with_soffice(data, file, ext, "docx"), file, "docx")
    if ext in WORD_EXTS | EXCEL_EXTS | LEGACY_EXCEL:
        raise ReportImportError(file, f"扩展名为 {ext}，但内容不是 Word/Excel 文件（扩展名可能有误，或文件已损坏）")
    if ext not in TEXT_EXTS:
        raise ReportImportError(file, f"不支持的文件类型 {ext}（支持 .docx、.doc、.wps、.txt、.xlsx、.xls）")
    text = decode_text(data)
    if text is None:
        raise ReportImportError(file, "不是文本文件（含有二进制内容或无法识别的编码）")
    return parse_text(text, file)


def refused(file: str, exc: InputRefused) -> ReportImportError:
    """The per-file import error for a limit refusal (its code kept, and named in the reason)."""
    return ReportImportError(file, f"{exc.reason}（{exc.code}）", code=exc.code)


def _check_zip(data: bytes, file: str) -> str:
    """Check an Office archive against the limits before any parser opens it; ``docx`` or ``xlsx``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "word/document.xml" in names:
                kind = "docx"
            elif "xl/workbook.xml" in names:
                kind = "xlsx"
            else:
                raise ReportImportError(file, "压缩包中既没有 Word 文档也没有 Excel 工作簿，不是可识别的报告文件")
            check_archive(zf, MAX_REPORT_UNCOMPRESSED, MAX_REPORT_XML)
            if kind == "xlsx":
                scan_report_sheets(zf)
    except InputRefused as exc:
        raise refused(file, exc) from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
        raise ReportImportError(file, "文件已损坏或不完整（无法解压，可能下载或复制时被截断）") from None
    return kind


def parse_bytes_converted(data: bytes, file: str, kind: str) -> Document:
    """Parse the output of a LibreOffice conversion (checked against the same limits first)."""
    from perfeval._import._docx import parse_docx
    from perfeval._import._xlsxin import parse_xlsx

    _check_zip(data, file)
    try:
        return parse_docx(data, file) if kind == "docx" else parse_xlsx(data, file)
    except Exception as exc:  # noqa: BLE001
        raise ReportImportError(file, f"LibreOffice 转换后的文件无法解析（{type(exc).__name__}）") from None


def read_report(path: str | os.PathLike[str], dept_id: str | None = None, year: int | None = None,
                dept_name: str | None = None, keep_personal_data: bool = False) -> ImportedReport:
    """Read one department's report (.docx, exported text, .xlsx, or legacy .doc/.wps).

    Parameters
    ----------
    path : path-like
        The report file.
    dept_id : str, optional
        The dataset key to use; by default ``dept-`` + 8 hex digits of
        sha1(region + name) read from the report.
    year : int, optional
        The fiscal year; by default read from the title (``（2021年度）``), the
        file name or the narrative — never from 填报时间.
    dept_name : str, optional
        The department's name when the report names none (else the file's
        stem is used; either way the import log says so).
    keep_personal_data : bool
        Keep phone numbers, ID-card numbers, e-mails and contact names as
        written; by default they are masked (``*``) in every table, the
        provenance, the log and the recorded file name (``docs/security.md``).

    Returns
    -------
    ImportedReport
        ``.tables`` (the dataset contract), ``.provenance`` and ``.log``.

    Raises
    ------
    ReportImportError
        The file is missing, not a regular file (FIFO, device), over a limit
        (size, compression ratio, sheet size: ``.code``), empty, corrupt,
        truncated, encrypted, mis-named, of an unsupported type, needs LibreOffice that is not installed, or holds no
        recognisable report content; the Chinese message names file and reason.

    Examples
    --------
    >>> from perfeval._import import read_report
    >>> rep = read_report("/work/shared/seeds/000_1d0f4977827aa49f.txt", dept_id="hyx-wxb")  # doctest: +SKIP
    >>> rep.tables["staffing"].loc[0, "quota"]  # doctest: +SKIP
    '19'
    """
    p = Path(path)
    file = display_name(p)
    if not p.exists():
        raise ReportImportError(str(p), "文件不存在")
    if p.is_dir():
        raise ReportImportError(str(p), "这是文件夹，不是文件（批量导入请用 import_reports）")
    try:
        data = read_limited(p, MAX_REPORT_BYTES)
    except InputRefused as exc:
        raise refused(file, exc) from None
    doc = parse_bytes(data, file)
    rep = interpret(doc, hashlib.sha1(data).hexdigest(), dept_id=dept_id, year=year, dept_name=dept_name)
    return rep if keep_personal_data else mask_report(rep)


def display_name(p: Path) -> str:
    """The file name as recorded (undecodable bytes of a non-UTF-8 name shown as ``\\xNN``)."""
    name = p.name or str(p)
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def mask_report(rep: ImportedReport) -> ImportedReport:
    """The report with personal data masked in every table, the provenance, the log and the file name."""
    from dataclasses import replace

    from perfeval._privacy import mask_frame, mask_text

    return replace(rep, file=mask_text(rep.file), name=mask_text(rep.name),
                   tables={k: mask_frame(v) for k, v in rep.tables.items()},
                   provenance=mask_frame(rep.provenance), log=mask_frame(rep.log))
