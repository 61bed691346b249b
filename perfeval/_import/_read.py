"""Reading one report file: format sniffing, legacy conversion, interpretation."""
from __future__ import annotations

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


def convert_with_soffice(data: bytes, file: str, ext: str, target: str) -> bytes:
    """Convert a legacy file with ``soffice --headless --convert-to TARGET``.

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
    with tempfile.TemporaryDirectory(prefix="perfeval-convert-") as tmp:
        src = Path(tmp) / f"report{ext or '.doc'}"
        src.write_bytes(data)
        out_dir = Path(tmp) / "out"
        profile = (Path(tmp) / "profile").as_uri()
        cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--convert-to", target,
               "--outdir", str(out_dir), str(src)]
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
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            raise ReportImportError(file, "文件已损坏或不完整（无法解压，可能下载或复制时被截断）") from None
        if "word/document.xml" in names:
            kind = "docx"
        elif "xl/workbook.xml" in names:
            kind = "xlsx"
        else:
            raise ReportImportError(file, "压缩包中既没有 Word 文档也没有 Excel 工作簿，不是可识别的报告文件")
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


def parse_bytes_converted(data: bytes, file: str, kind: str) -> Document:
    """Parse the output of a LibreOffice conversion."""
    from perfeval._import._docx import parse_docx
    from perfeval._import._xlsxin import parse_xlsx

    try:
        return parse_docx(data, file) if kind == "docx" else parse_xlsx(data, file)
    except Exception as exc:  # noqa: BLE001
        raise ReportImportError(file, f"LibreOffice 转换后的文件无法解析（{type(exc).__name__}）") from None


def read_report(path: str | os.PathLike[str], dept_id: str | None = None, year: int | None = None) -> ImportedReport:
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

    Returns
    -------
    ImportedReport
        ``.tables`` (the dataset contract), ``.provenance`` and ``.log``.

    Raises
    ------
    ReportImportError
        The file is missing, empty, corrupt, truncated, encrypted, mis-named, of
        an unsupported type, needs LibreOffice that is not installed, or holds no
        recognisable report content; the Chinese message names file and reason.

    Examples
    --------
    >>> from perfeval._import import read_report
    >>> rep = read_report("/work/shared/seeds/000_1d0f4977827aa49f.txt", dept_id="hyx-wxb")  # doctest: +SKIP
    >>> rep.tables["staffing"].loc[0, "quota"]  # doctest: +SKIP
    '19'
    """
    p = Path(path)
    file = p.name or str(p)
    if not p.exists():
        raise ReportImportError(str(p), "文件不存在")
    if p.is_dir():
        raise ReportImportError(str(p), "这是文件夹，不是文件（批量导入请用 import_reports）")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ReportImportError(file, f"无法读取文件（{exc.strerror or exc}）") from None
    doc = parse_bytes(data, file)
    return interpret(doc, hashlib.sha1(data).hexdigest(), dept_id=dept_id, year=year)
