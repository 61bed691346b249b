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
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # editors and type checkers see the names; at run time they load lazily
    from perfeval._dataset import Dataset as Dataset, load as load, save_dataset as save_dataset
    from perfeval._errors import (
        DatasetError as DatasetError, PerfevalError as PerfevalError, FrameworkError as FrameworkError,
        Problem as Problem,
    )
    from perfeval._values import (
        ParsedValue as ParsedValue, parse_value as parse_value, parse_number as parse_number,
    )
    from perfeval._metrics import (
        metrics as metrics, item_metrics as item_metrics, yoy as yoy, composition as composition,
    )
    from perfeval._framework import (
        Framework as Framework, load_framework as load_framework, list_frameworks as list_frameworks,
    )
    from perfeval._scoring import rescore as rescore, Scorecard as Scorecard
    from perfeval._checks import check as check, CATALOGUE as CATALOGUE
    from perfeval._import import (
        read_report as read_report, ReportImportError as ReportImportError, ImportSummary as ImportSummary,
        import_reports as import_reports,
    )
    from perfeval._fonts import use_cjk_font as use_cjk_font
    from perfeval._run import run_notebooks as run_notebooks, run_reports as run_reports
    from perfeval._xlsx import export_xlsx as export_xlsx
    from perfeval._template import write_template as write_template
    from perfeval._examples import generate_examples as generate_examples
    from perfeval._paths import DEFAULT_DATASET as DEFAULT_DATASET, EXPORTS_DIR as EXPORTS_DIR
    from perfeval._synth import synth as synth, score_audit as score_audit
    from perfeval._analysis import analyse as analyse, Analysis as Analysis

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
