"""Shared fixtures: the embedded dataset, and small datasets written on the fly."""
from __future__ import annotations

import csv
import sys
from pathlib import Path


def _bytecode_cache() -> None:
    """Under ``PYTHONDONTWRITEBYTECODE`` keep compiled code in ``.pytest_cache/pycache`` (git-ignored).

    Without it every test process compiles perfeval and pytest rewrites every test module's
    asserts again: about 3 s of CPU a process, paid by each xdist worker of the fast loop.
    Nothing is written beside the sources either way; an explicit ``PYTHONPYCACHEPREFIX`` wins.
    """
    if sys.dont_write_bytecode and not sys.pycache_prefix:
        sys.pycache_prefix = str(Path(__file__).resolve().parents[1] / ".pytest_cache" / "pycache")
        sys.dont_write_bytecode = False


_bytecode_cache()

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

import perfeval  # noqa: E402

# The test processes, like the perfeval command (perfeval.cli._skip_iri_grammars), do not pay
# 2-4 s for rfc3987_syntax's grammars when nbformat imports jsonschema.
from perfeval.cli import _skip_iri_grammars  # noqa: E402

_skip_iri_grammars()

# Shared, noisy machines: no per-example deadline (speed is measured in benchmarks/).
settings.register_profile("perfeval", deadline=None)
#: the fast loop's profile: a quarter of hypothesis's default 100 examples (see :func:`examples`)
settings.register_profile("perfeval-fast", deadline=None, max_examples=25)
settings.load_profile("perfeval")

#: True in the fast loop (``pytest -m "not e2e"``), set by :func:`pytest_configure`
#: before any test module is imported.
FAST_LOOP = False


def is_fast_loop(config: pytest.Config) -> bool:
    """The fast loop is the marker expression ``not e2e``, exactly."""
    return (config.option.markexpr or "").strip() == "not e2e"


def examples(n: int) -> int:
    """``max_examples`` for a hypothesis test that sets its own: ``n`` in the full suite,
    a quarter of it (at least 10) in the fast loop, like the ``perfeval-fast`` profile."""
    return max(10, n // 4) if FAST_LOOP else n


def pytest_configure(config: pytest.Config) -> None:
    """Fewer hypothesis examples in the fast loop; the full suite runs them all.

    An explicit ``--hypothesis-profile`` wins.
    """
    global FAST_LOOP
    FAST_LOOP = is_fast_loop(config)
    if FAST_LOOP and not config.getoption("--hypothesis-profile", None):
        settings.load_profile("perfeval-fast")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The fast loop (``pytest -m "not e2e"``) runs on every core when pytest-xdist is installed.

    Only when the marker expression is exactly ``not e2e`` and no ``-n``/``-p no:xdist``
    was given: the full suite stays serial (its notebooks, clusters and browsers each use
    both cores already). ``-n 0`` runs the fast loop serially. Whole files go to one
    worker (``--dist loadfile``): a module's fixtures are built once, not once per worker.
    """
    if getattr(config, "workerinput", None) is not None:  # an xdist worker
        return
    if not config.pluginmanager.hasplugin("xdist") or getattr(config.option, "numprocesses", 0) is not None:
        return
    if is_fast_loop(config):
        config.option.numprocesses = "auto"  # resolved by xdist to the number of CPUs
        if config.option.dist == "no":
            config.option.dist = "loadfile"


def write_tables(folder: Path, tables: dict[str, list[dict[str, object]]], *, encoding: str = "utf-8",
                 headers: dict[str, list[str]] | None = None) -> Path:
    """Write ``{table: [row dicts]}`` as a CSV dataset folder; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        cols = (headers or {}).get(name) or list(dict.fromkeys(k for r in rows for k in r))
        with open(folder / f"{name}.csv", "w", newline="", encoding=encoding) as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            for r in rows:
                w.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
    return folder


def load_dept_year(folder: Path, tables: dict[str, list[dict[str, object]]], dept_id: str, year: int) -> perfeval.Dataset:
    """Write a one-department-year dataset and load it.

    Rows of every table but ``departments`` get ``dept_id`` and ``year`` unless
    they set their own; every contract column is written (blank when absent).
    """
    from perfeval._schema import TABLES

    filled = {
        name: [({} if name == "departments" else {"dept_id": dept_id, "year": year}) | dict(r) for r in rows]
        for name, rows in tables.items()
    }
    write_tables(folder, filled, headers={name: TABLES[name].names for name in filled})
    return perfeval.load(folder)


MINIMAL = {
    "departments": [{"dept_id": "d1", "name": "测试局", "region": "测试县"}],
    "finance": [
        {"dept_id": "d1", "year": 2022, "item": "年度资金总额", "initial_budget": 100, "adjusted_budget": 120, "actual": 110},
        {"dept_id": "d1", "year": 2022, "item": "基本支出", "initial_budget": 80, "adjusted_budget": 90, "actual": 85},
        {"dept_id": "d1", "year": 2022, "item": "项目支出", "initial_budget": 20, "adjusted_budget": 30, "actual": 25},
        {"dept_id": "d1", "year": 2021, "item": "年度资金总额", "actual": 100},
    ],
    "staffing": [{"dept_id": "d1", "year": 2022, "quota": 10, "actual": 11, "retired": 2}],
}


@pytest.fixture(scope="session")
def default_ds() -> perfeval.Dataset:
    """The embedded default dataset (loaded once)."""
    return perfeval.load()


@pytest.fixture
def minimal_dir(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "ds", MINIMAL)


#: A dataset with a missing value in every optional column somewhere.
HOLEY = {
    "departments": [{"dept_id": "h1", "name": "空值局", "region": "", "full_name": "", "note": ""},
                    {"dept_id": "h2", "name": "另一局", "region": "某县", "full_name": "某县另一局", "note": "备注"}],
    "finance": [
        {"dept_id": "h1", "year": 2022, "item": "年度资金总额", "parent": "", "initial_budget": "", "adjusted_budget": 10, "actual": "", "unit": ""},
        {"dept_id": "h1", "year": 2022, "item": "基本支出", "parent": "", "initial_budget": 5, "adjusted_budget": "", "actual": 4, "unit": "万元"},
        {"dept_id": "h2", "year": 2022, "item": "年度资金总额", "parent": "", "initial_budget": 8, "adjusted_budget": 9, "actual": 0, "unit": "元"},
    ],
    "staffing": [{"dept_id": "h1", "year": 2022, "quota": "", "actual": 3, "retired": ""},
                 {"dept_id": "h2", "year": 2022, "quota": 0, "actual": "", "retired": 1}],
    "indicators": [
        {"dept_id": "h1", "year": 2022, "level1": "", "level2": "", "name": "指标甲", "target": "", "actual": "",
         "weight": "", "score": "", "direction": "", "reason": ""},
        {"dept_id": "h2", "year": 2022, "level1": "产出", "level2": "数量指标", "name": "指标乙", "target": "≥90%",
         "actual": "95%", "weight": 10, "score": 10, "direction": "≥", "reason": "无"},
    ],
    "goals": [{"dept_id": "h1", "year": 2022, "goal": "", "result": "完成"}],
    "evaluations": [{"dept_id": "h1", "year": 2022, "framework": "", "total_weight": "", "total_score": "",
                     "grade": "", "execution_rate": "", "execution_weight": "", "execution_score": ""}],
}


@pytest.fixture
def holey_dir(tmp_path: Path) -> Path:
    """A dataset with a missing value in every optional column somewhere (:data:`HOLEY`)."""
    return write_tables(tmp_path / "holey", HOLEY)


def frames_snapshot(ds: perfeval.Dataset) -> dict[str, pd.DataFrame]:
    """Deep copies of every frame, to assert later that nothing mutated them."""
    return {k: v.copy(deep=True) for k, v in ds.tables().items()}


def assert_unchanged(ds: perfeval.Dataset, snap: dict[str, pd.DataFrame]) -> None:
    for k, v in snap.items():
        pd.testing.assert_frame_equal(getattr(ds, k), v)
