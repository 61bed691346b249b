"""Reading departments' reports (.docx, exported text, .xlsx, legacy .doc/.wps) into a dataset.

Public names: :func:`read_report`, :func:`import_reports`, :class:`ImportedReport`,
:class:`ImportSummary`, :class:`ReportImportError`. See ``docs/import.md``.
"""
from __future__ import annotations

from perfeval._import._layout import ImportedReport
from perfeval._import._model import ReportImportError
from perfeval._import._read import read_report

__all__ = ["read_report", "import_reports", "ImportedReport", "ImportSummary", "ReportImportError"]


def __getattr__(name: str):
    if name in {"import_reports", "ImportSummary"}:
        from perfeval._import import _batch

        return getattr(_batch, name)
    raise AttributeError(name)
