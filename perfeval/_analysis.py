"""The analysis of a dataset, computed once and sliced by department-year.

:func:`analyse` computes everything the reports show -- metrics, item metrics, the
re-scored scorecard and the audit findings -- in one pass over the whole dataset
and returns an :class:`Analysis`. Reports, workbooks and the CLI take their
department's part with :meth:`Analysis.slice` (department and/or year, like
:meth:`Dataset.subset`) or :meth:`Analysis.scope` (what one report needs: a
department's years plus every department's report year and the year before).
Slicing uses a (dept_id, year) -> row-positions index built once, so it costs the
size of the slice, not of the dataset.

A batch (``perfeval report``/``compare``/``trends``/``all``) analyses once and hands
each notebook its scope as a pickle (:meth:`Analysis.write`, the notebook's
``analysis`` parameter); a notebook run on its own calls
``analyse(ds, framework, dept_id=…, year=…)``, which computes only that scope.
"""
from __future__ import annotations

import io
import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._dataset import TABLE_ORDER, Dataset
from ._export import write_bytes_atomic

__all__ = ["Analysis", "analyse"]

_KEY = ["dept_id", "year"]


def _as_set(x: Any, cast: Any) -> set[Any] | None:
    if x is None:
        return None
    if isinstance(x, (str, int, np.integer)):
        return {cast(x)}
    return {cast(v) for v in x}


@dataclass(frozen=True, eq=False)
class Analysis:
    """Metrics, item metrics, scorecard and findings of one dataset, indexed by department-year.

    Attributes
    ----------
    dataset
        The :class:`~perfeval.Dataset` analysed (its slice, for a sliced analysis).
    framework
        The framework argument the analysis was computed with (``None``: each
        department-year's own, else ``national_2020``).
    metrics, item_metrics
        :func:`perfeval.metrics` and :func:`perfeval.item_metrics`.
    scorecard
        :func:`perfeval.rescore` (``indicators``, ``categories``, ``totals``).
    findings
        :func:`perfeval.check`.

    Values in a slice are those of the whole analysis: a YoY change keeps the
    previous year's actual even when that year is outside the slice.

    Examples
    --------
    >>> import perfeval
    >>> a = perfeval.analyse(perfeval.load())
    >>> one = a.slice("hyx-wxb", 2021)
    >>> len(one.metrics), set(one.findings["dept_id"]) <= {"hyx-wxb"}
    (1, True)
    """

    dataset: Dataset
    framework: Any
    metrics: pd.DataFrame
    item_metrics: pd.DataFrame
    scorecard: Any
    findings: pd.DataFrame
    _index: dict[str, dict[tuple[str, int], np.ndarray]] = field(default_factory=dict, repr=False)

    # -- frames by name -----------------------------------------------------
    def _frames(self) -> dict[str, pd.DataFrame]:
        out = {f"ds.{n}": getattr(self.dataset, n) for n in TABLE_ORDER if n != "departments"}
        out.update({
            "metrics": self.metrics, "item_metrics": self.item_metrics, "findings": self.findings,
            "card.indicators": self.scorecard.indicators, "card.categories": self.scorecard.categories,
            "card.totals": self.scorecard.totals,
        })
        return out

    def _positions(self, name: str, df: pd.DataFrame) -> dict[tuple[str, int], np.ndarray]:
        idx = self._index.get(name)
        if idx is None:
            if len(df):
                groups = df.groupby(_KEY, sort=False, dropna=False).indices
                idx = {(str(d), -1 if pd.isna(y) else int(y)): pos for (d, y), pos in groups.items()}
            else:
                idx = {}
            self._index[name] = idx  # the dataclass is frozen; the index is a cache inside it
        return idx

    def keys(self) -> list[tuple[str, int]]:
        """Every (dept_id, year) with a fact, sorted (computed once)."""
        cached = self._index.get("__keys__")
        if cached is None:
            found: set[tuple[str, int]] = set()
            for name, df in self._frames().items():
                found.update(k for k in self._positions(name, df) if k[1] != -1)
            cached = self._index["__keys__"] = {"keys": sorted(found), "set": found}  # type: ignore[assignment]
        return list(cached["keys"])  # type: ignore[index]

    def has(self, dept_id: str, year: int) -> bool:
        """Whether the department has any fact in ``year``."""
        self.keys()
        return (str(dept_id), int(year)) in self._index["__keys__"]["set"]  # type: ignore[index]

    def _undated(self, name: str, df: pd.DataFrame) -> list[tuple[str, int]]:
        key = f"__undated__{name}"
        if key not in self._index:
            self._index[key] = {k: k for k in self._positions(name, df) if k[1] == -1}  # type: ignore[assignment]
        return list(self._index[key])

    # -- slicing ------------------------------------------------------------
    def _rows(self, name: str, df: pd.DataFrame, want: set[tuple[str, int]], depts: set[str] | None) -> pd.DataFrame:
        """The rows of ``want`` (and, with ``depts``, those departments' undated rows), in frame order."""
        idx = self._positions(name, df)
        parts = [idx[k] for k in want if k in idx]
        if depts is not None:  # rows without a year stay with their department
            parts += [idx[k] for k in self._undated(name, df) if k[0] in depts]
        pos = np.sort(np.concatenate(parts)) if parts else np.array([], dtype=np.intp)
        return df.take(pos).reset_index(drop=True)

    def _take(self, want: set[tuple[str, int]], depts: set[str] | None) -> Analysis:
        frames = {name: self._rows(name, df, want, depts) for name, df in self._frames().items()}
        deps = self.dataset.departments
        if depts is not None:
            deps = deps[deps["dept_id"].isin(sorted(depts))].reset_index(drop=True)
        projects = self.dataset.projects
        if depts is not None:  # a department's project forms go with it, and no other's
            projects = {n: df[df["dept_id"].isin(sorted(depts))].reset_index(drop=True) for n, df in projects.items()}
        ds = replace(self.dataset, departments=deps, projects=projects,
                     **{n: frames[f"ds.{n}"] for n in TABLE_ORDER if n != "departments"})
        card = replace(self.scorecard, indicators=frames["card.indicators"],
                       categories=frames["card.categories"], totals=frames["card.totals"])
        return Analysis(ds, self.framework, frames["metrics"], frames["item_metrics"], card, frames["findings"])

    def slice(self, dept_id: str | Iterable[str] | None = None,
              year: int | Iterable[int] | None = None) -> Analysis:
        """The analysis of some departments and/or years (both given: their intersection).

        Like :meth:`Dataset.subset`: ``dept_id`` also restricts ``dataset.departments``.
        """
        ids = _as_set(dept_id, str)
        yrs = _as_set(year, int)
        want = {k for k in self.keys() if (ids is None or k[0] in ids) and (yrs is None or k[1] in yrs)}
        return self._take(want, ids)

    def scope(self, dept_id: str | Iterable[str] | None = None, year: int | None = None) -> Analysis:
        """What one report needs, so that its cost does not grow with the dataset.

        ``scope(dept_id, year)``, the department report: everything about the
        department (every year), plus its peers' ``year`` rows of ``metrics`` and
        ``scorecard.totals`` (enough to rank it among them). ``scope(year=…)``,
        the comparison: every department's ``year`` and ``year − 1`` (for YoY).
        ``scope(dept_ids)``, the trends: those departments, every year.
        """
        ids = _as_set(dept_id, str)
        y = None if year is None else int(year)
        if ids is None and y is None:
            return self
        keys = self.keys()
        if ids is None:
            return self._take({k for k in keys if k[1] in (y, y - 1)}, None)
        own = self._take({k for k in keys if k[0] in ids}, ids)
        if y is None:
            return own
        peers = {k for k in keys if k[1] == y and k[0] not in ids}
        if not peers:
            return own
        # only the peers' metrics and totals rows: the rest of their year is not the report's
        metrics = pd.concat([own.metrics, self._rows("metrics", self.metrics, peers, None)]).sort_values(
            _KEY, kind="stable", ignore_index=True)
        totals = pd.concat([own.scorecard.totals, self._rows("card.totals", self.scorecard.totals, peers, None)]
                           ).sort_values(_KEY, kind="stable", ignore_index=True)
        return replace(own, metrics=metrics, scorecard=replace(own.scorecard, totals=totals), _index={})

    # -- hand-over between processes ---------------------------------------
    def write(self, path: str | os.PathLike[str]) -> Path:
        """Pickle the analysis to ``path`` (atomically) for a notebook of the same perfeval."""
        buf = io.BytesIO()
        pickle.dump(replace(self, _index={}), buf, protocol=pickle.HIGHEST_PROTOCOL)
        write_bytes_atomic(path, buf.getvalue())
        return Path(path)

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Analysis:
        """Read an analysis written by :meth:`write` (only files perfeval wrote: pickle runs code)."""
        with open(path, "rb") as fh:
            obj = pickle.load(fh)  # noqa: S301 - our own temp file, written by the batch
        if not isinstance(obj, cls):
            raise TypeError(f"{path} 不是 perfeval 分析结果文件")
        return obj


def analyse(ds: Dataset, framework: Any = None, *, dept_id: str | Iterable[str] | None = None,
            year: int | None = None) -> Analysis:
    """Compute metrics, item metrics, scorecard and findings of ``ds`` once.

    Parameters
    ----------
    ds
        A loaded :class:`~perfeval.Dataset`.
    framework
        Framework id, TOML path or :class:`~perfeval.Framework` for department-years
        whose ``evaluations.framework`` is blank (``None``: ``national_2020``).
    dept_id, year
        Compute only what one report needs and return :meth:`Analysis.scope` of
        it: the departments' every year, and every department's ``year`` and
        ``year − 1``. Omitted: the whole dataset.

    Returns
    -------
    Analysis
    """
    from ._checks import check
    from ._metrics import _metrics_from_items, item_metrics
    from ._scoring import rescore

    scoped = dept_id is not None or year is not None
    if scoped:
        ds = _scope_dataset(ds, dept_id, year)
    items = item_metrics(ds)
    m = _metrics_from_items(ds, items)
    card = rescore(ds, framework)
    findings = check(ds, framework, scorecard=card)
    out = Analysis(ds, framework, m, items, card, findings)
    return out.scope(dept_id, year) if scoped else out


def _scope_dataset(ds: Dataset, dept_id: str | Iterable[str] | None, year: int | None) -> Dataset:
    ids = _as_set(dept_id, str)
    y = None if year is None else int(year)
    frames = {}
    for name in TABLE_ORDER:
        df = getattr(ds, name)
        if name == "departments":
            frames[name] = df if y is not None or ids is None else df[df["dept_id"].isin(sorted(ids))].reset_index(drop=True)
            continue
        mask = pd.Series(False, index=df.index)
        if ids is not None:
            mask |= df["dept_id"].isin(sorted(ids))
        if y is not None:
            mask |= df["year"].isin([y, y - 1]).fillna(False).astype(bool)
        frames[name] = df[mask.to_numpy(dtype=bool)].reset_index(drop=True)
    return replace(ds, **frames)
