"""perfeval — 部门整体支出绩效评价：加载、复核、评分与报告.

The public API is a handful of names re-exported lazily from private modules
(so ``import perfeval`` and the CLI start fast):

- :func:`load`, :class:`Dataset`, :func:`save_dataset` — datasets (``_dataset``)
- :func:`parse_value`, :func:`parse_number` — target/achieved text (``_values``)
- :func:`metrics`, :func:`item_metrics`, :func:`yoy`, :func:`composition` (``_metrics``)
- :func:`load_framework`, :func:`list_frameworks` (``_framework``), :func:`rescore` (``_scoring``)
- :func:`check`, :data:`CATALOGUE` — audit findings (``_checks``)
- :func:`read_report`, :func:`import_reports` — reading the reports (``_import``)
- :func:`export_xlsx` — Excel workbooks (``_xlsx``)
- :func:`generate_examples` — seeded 示例 departments (``_examples``)
- :func:`synth`, :func:`score_audit` — a seeded synthetic province with planted
  contradictions and their ground truth (``_synth``)
- :func:`analyse`, :class:`Analysis` — metrics, scorecard and findings computed once,
  sliced by department-year (``_analysis``)
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "Dataset": "_dataset",
    "load": "_dataset",
    "save_dataset": "_dataset",
    "DatasetError": "_errors",
    "PerfevalError": "_errors",
    "FrameworkError": "_errors",
    "Problem": "_errors",
    "ParsedValue": "_values",
    "parse_value": "_values",
    "parse_number": "_values",
    "metrics": "_metrics",
    "item_metrics": "_metrics",
    "yoy": "_metrics",
    "composition": "_metrics",
    "Framework": "_framework",
    "load_framework": "_framework",
    "list_frameworks": "_framework",
    "rescore": "_scoring",
    "Scorecard": "_scoring",
    "check": "_checks",
    "CATALOGUE": "_checks",
    "read_report": "_import",
    "ReportImportError": "_import",
    "ImportSummary": "_import",
    "use_cjk_font": "_fonts",
    "run_notebooks": "_run",
    "run_reports": "_run",
    "import_reports": "_import",
    "export_xlsx": "_xlsx",
    "write_template": "_template",
    "generate_examples": "_examples",
    "synth": "_synth",
    "score_audit": "_synth",
    "analyse": "_analysis",
    "Analysis": "_analysis",
    "DEFAULT_DATASET": "_paths",
    "EXPORTS_DIR": "_paths",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'perfeval' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"perfeval.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
