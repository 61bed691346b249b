"""Metrics as tidy frames: execution, adjustment, carry-over, YoY, composition, staffing.

Rates are fractions (0.9956, not 99.56). A metric whose inputs are blank, or whose
denominator is zero, is ``NA``: blank means unknown, never zero.

Where a finance line is blank but all of its children are given (the seed's
人员经费 spending is only given item by item), the line's *rolled-up* value (the
sum of its children) is used for composition; the frames say so in ``*_basis``.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ._dataset import STR, Dataset
from ._memory import release_memory
from ._format import round_each
from ._vocab import ROOT_ITEM, SPLITS, child_groups

MONEY = ("initial_budget", "adjusted_budget", "actual")

METRIC_COLUMNS = [
    "dept_id", "year", "name", "is_example",
    "budget_initial", "budget_adjusted", "actual",
    "execution_rate", "execution_rate_initial", "adjustment_rate", "carryover",
    "yoy_item", "prior_actual", "yoy_change", "yoy_rate",
    "personnel", "public", "basic", "project", "personnel_share", "personnel_share_basis",
    "staff_quota", "staff_actual", "staff_retired", "staff_control_rate", "per_capita_actual",
]


def _div(a: pd.Series, b: pd.Series) -> pd.Series:
    a = a.astype("Float64")
    b = b.astype("Float64")
    return (a / b.where(b != 0)).astype("Float64")


def _finance_codes(fin: pd.DataFrame) -> SimpleNamespace:
    """Integer codes of finance rows (keys known): the dept-year, the item, each row's parent row.

    ``key`` orders as (dept_id, year) sorts; ``rid`` is unique per (key, item) unless an
    item is given twice (``dup``); ``ppos`` is the row of the same dept-year whose item is
    the row's parent (-1: none). Labels are hashed once here, every later step is numpy.
    """
    n = len(fin)
    dcode = pd.factorize(fin["dept_id"].to_numpy(dtype=object), sort=True)[0].astype(np.int64)
    year = fin["year"].to_numpy(dtype=np.int64)
    y0 = int(year.min()) if n else 0
    span = int(year.max()) - y0 + 2 if n else 1  # one spare year: key - 1 never reaches another department
    key = dcode * span + (year - y0)
    icode, labels = pd.factorize(fin["item"].to_numpy(dtype=object, na_value=None))
    pcode_raw, plabels = pd.factorize(fin["parent"].to_numpy(dtype=object, na_value=None))
    where = {v: i for i, v in enumerate(labels.tolist())}
    pmap = np.array([where.get(v, -1) for v in plabels.tolist()] + [-1], dtype=np.int64)
    pcode = pmap[pcode_raw]  # -1 (NA) takes the last slot: no parent
    n_labels = len(labels) + 1
    rid = key * n_labels + icode
    order = np.argsort(rid, kind="stable")
    srid = rid[order]
    dup = np.zeros(n, dtype=bool)
    if n > 1:
        same = srid[1:] == srid[:-1]
        dup[order[1:][same]] = True
        dup[order[:-1][same]] = True

    def find(target: np.ndarray, valid: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(srid, target), max(n - 1, 0))
        return np.where(valid & (srid[at] == target) if n else valid, order[at] if n else -1, -1)

    ppos = find(key * n_labels + pcode, pcode >= 0)
    root_code = where.get(ROOT_ITEM, -1)
    return SimpleNamespace(key=key, icode=icode, labels=labels, rid=rid, n_labels=n_labels, dup=dup,
                           ppos=ppos, find=find, root_code=root_code, na_item=icode < 0)


_BASIS = np.array(["reported", "children", "unknown"], dtype=object)


def _rollup_arrays(fin: pd.DataFrame, column: str, fc: SimpleNamespace) -> tuple[np.ndarray, np.ndarray]:
    """Each row's rolled-up value of ``column`` and its basis code (0 reported, 1 children, 2 unknown), in row order.

    A blank line takes the sum of its first complete group of children (:func:`child_groups`:
    by nature, else by source, under 年度资金总额), recursively, as whole-array passes up the
    tree. A dept-year with an item given twice, an unnamed item or a parent chain that loops
    (or runs deeper than the recursion's limit) is rolled up line by line instead.
    """
    n = len(fin)
    own = fin[column].to_numpy(dtype=float, na_value=np.nan)
    val = own.copy()
    basis = np.where(np.isnan(own), 2, 0).astype(np.int8)
    ppos = fc.ppos
    # keys the array passes do not cover
    odd_row = fc.dup | fc.na_item
    up = ppos.copy()
    for _ in range(18):
        up = np.where(up >= 0, ppos[np.maximum(up, 0)], -1)
    odd_row |= up >= 0
    slow = np.isin(fc.key, fc.key[odd_row]) if odd_row.any() else np.zeros(n, dtype=bool)
    child = np.flatnonzero((ppos >= 0) & ~slow)
    if np.isnan(own).any() and len(child):
        parent_is_root = fc.icode[ppos[child]] == fc.root_code
        split = fin["split"].to_numpy(dtype=object, na_value=None)[child] if "split" in fin.columns else \
            np.full(len(child), None, dtype=object)
        grp = np.full(len(child), len(SPLITS), dtype=np.int64)  # detail: after the splits
        for k, s in enumerate(SPLITS):
            grp[parent_is_root & (split == s)] = k
        n_grp = len(SPLITS) + 1
        gid = ppos[child] * n_grp + grp
        n_kids = np.bincount(gid, minlength=n * n_grp).reshape(n, n_grp)
        has_kids = n_kids > 0
        # a line is decided after all its children (as the recursion does): level by level from the leaves
        height = np.zeros(n, dtype=np.int64)
        for _ in range(20):
            h = height.copy()
            np.maximum.at(h, ppos[child], height[child] + 1)
            if np.array_equal(h, height):
                break
            height = h
        for level in range(1, int(height.max()) + 1):
            todo = np.flatnonzero((height == level) & np.isnan(val))
            if not len(todo):
                continue
            kv = val[child]
            known = ~np.isnan(kv)
            n_known = np.bincount(gid, weights=known, minlength=n * n_grp).reshape(n, n_grp)
            complete = has_kids[todo] & (n_known[todo] == n_kids[todo])
            todo, complete = todo[complete.any(axis=1)], complete[complete.any(axis=1)]
            if not len(todo):
                continue
            total = np.bincount(gid, weights=np.where(known, kv, 0.0), minlength=n * n_grp).reshape(n, n_grp)
            val[todo] = round_each(total[todo, complete.argmax(axis=1)], 10)
            basis[todo] = 1
    if slow.any():
        _rollup_rows(fin, column, np.flatnonzero(slow), fc.key, val, basis)
    return val, basis


def _rollup_rows(fin: pd.DataFrame, column: str, rows: np.ndarray, key: np.ndarray,
                 val: np.ndarray, basis: np.ndarray) -> None:
    """:func:`_rollup_arrays` line by line for the given rows (their whole dept-years): recursion with a memo."""
    sub = fin.iloc[rows]
    cols = {c: sub[c].to_numpy(dtype=object, na_value=None) if c in sub.columns else np.full(len(rows), None, dtype=object)
            for c in ("item", "parent", "split", column)}
    k = key[rows]
    order = np.argsort(k, kind="stable")
    bounds = np.flatnonzero(np.diff(k[order])) + 1
    for grp in np.split(order, bounds):
        items, parents = cols["item"][grp].tolist(), cols["parent"][grp].tolist()
        splits, values = cols["split"][grp].tolist(), cols[column][grp].tolist()
        vals = dict(zip(items, values))
        kids: dict[str, dict[str, str]] = {}
        for item, parent, split in zip(items, parents, splits):
            if isinstance(parent, str):
                kids.setdefault(parent, {})[item] = split if isinstance(split, str) else ""
        children = {p: list(child_groups(p, kd).values()) for p, kd in kids.items()}
        memo: dict[str, tuple[float | None, int]] = {}

        def value(item: str, depth: int = 0) -> tuple[float | None, int]:
            if item in memo:
                return memo[item]
            v = vals.get(item)
            if v is not None and not pd.isna(v):
                res: tuple[float | None, int] = (float(v), 0)
            else:
                res = (None, 2)
                for group in children.get(item, []) if depth < 20 else []:
                    parts = [value(c, depth + 1)[0] for c in group]
                    if all(p is not None for p in parts):
                        res = (round(sum(parts), 10), 1)  # type: ignore[arg-type]
                        break
            memo[item] = res
            return res

        for j, item in zip(rows[grp].tolist(), items):
            v, b = value(item)
            val[j] = np.nan if v is None else v
            basis[j] = b


def rolled_up(ds: Dataset, column: str = "actual") -> pd.DataFrame:
    """Each finance line's value, or the sum of its children when it is blank.

    A blank 年度资金总额 is the sum of *one* complete split (by nature, else by
    source), never of both.

    Returns ``dept_id, year, item, parent, value, basis`` where ``basis`` is
    ``reported``, ``children`` (sum of children, all known) or ``unknown``.

    Examples
    --------
    >>> import perfeval
    >>> r = rolled_up(perfeval.load())
    >>> row = r.query("dept_id == 'hyx-wxb' and item == '人员经费'").iloc[0]
    >>> float(row["value"]), row["basis"]
    (71.9019, 'children')
    """
    fin = ds.finance
    fin = fin[fin["dept_id"].notna() & fin["year"].notna()]
    fc = _finance_codes(fin)
    val, basis = _rollup_arrays(fin, column, fc)
    order = np.argsort(fc.key, kind="stable")
    return pd.DataFrame({
        "dept_id": pd.array(fin["dept_id"].to_numpy(dtype=object)[order], dtype=STR),
        "year": pd.array(fin["year"].to_numpy(dtype=np.int64)[order], dtype="Int64"),
        "item": pd.array(fin["item"].to_numpy(dtype=object, na_value=None)[order], dtype=STR),
        "parent": pd.array(fin["parent"].to_numpy(dtype=object, na_value=None)[order], dtype=STR),
        "value": pd.array(val[order], dtype="Float64"),
        "basis": pd.array(_BASIS[basis[order]], dtype=STR),
    })


def item_metrics(ds: Dataset) -> pd.DataFrame:
    """One row per department, year and finance item.

    Columns: ``dept_id, year, item, parent, split, initial_budget,
    adjusted_budget, actual`` (as reported, 万元), ``execution_rate`` (actual /
    adjusted), ``execution_rate_initial`` (actual / initial),
    ``adjustment_rate`` ((adjusted − initial) / initial), ``carryover``
    (adjusted − actual), ``prior_actual`` (the same item's actual of year − 1),
    ``yoy_change``, ``yoy_rate``, ``actual_rollup`` (see :func:`rolled_up`),
    ``share_of_parent`` and ``share_of_total`` (of the rolled-up actuals).

    Examples
    --------
    >>> import perfeval
    >>> m = item_metrics(perfeval.load()).set_index(["dept_id", "year", "item"])
    >>> round(float(m.loc[("hyx-wxb", 2021, "基本支出"), "yoy_change"]), 4)
    25.3576
    """
    if len(ds.finance) and not any(ds.finance[c].isna().any() for c in ("dept_id", "year", "item")):
        out = _item_metrics_by_codes(ds.finance)
        if out is not None:
            release_memory(len(out))
            return out
    fin = ds.finance[["dept_id", "year", "item", "parent", "split", *MONEY]].copy()
    roll = rolled_up(ds)[["dept_id", "year", "item", "value"]].rename(columns={"value": "actual_rollup"})
    prior = fin[["dept_id", "year", "item", "actual"]].rename(columns={"actual": "prior_actual"})
    prior = prior.assign(year=prior["year"] + 1)
    df = fin.merge(prior, on=["dept_id", "year", "item"], how="left")
    df = df.merge(roll, on=["dept_id", "year", "item"], how="left")
    parent_vals = roll.rename(columns={"item": "parent", "actual_rollup": "parent_actual"})
    df = df.merge(parent_vals, on=["dept_id", "year", "parent"], how="left")
    totals = roll[roll["item"] == ROOT_ITEM][["dept_id", "year", "actual_rollup"]].rename(
        columns={"actual_rollup": "total_actual"})
    df = df.merge(totals, on=["dept_id", "year"], how="left")
    df = df.assign(
        execution_rate=_div(df["actual"], df["adjusted_budget"]),
        execution_rate_initial=_div(df["actual"], df["initial_budget"]),
        adjustment_rate=_div(df["adjusted_budget"] - df["initial_budget"], df["initial_budget"]),
        carryover=(df["adjusted_budget"] - df["actual"]).round(10),
        yoy_change=(df["actual"] - df["prior_actual"]).round(10),
        yoy_rate=_div(df["actual"] - df["prior_actual"], df["prior_actual"]),
        share_of_parent=_div(df["actual_rollup"], df["parent_actual"]),
        share_of_total=_div(df["actual_rollup"], df["total_actual"]),
    )
    return df[_ITEM_COLUMNS].sort_values(["dept_id", "year"], kind="stable", ignore_index=True)


_ITEM_COLUMNS = ["dept_id", "year", "item", "parent", "split", *MONEY, "execution_rate", "execution_rate_initial",
                 "adjustment_rate", "carryover", "prior_actual", "yoy_change", "yoy_rate", "actual_rollup",
                 "share_of_parent", "share_of_total"]


def _ratio(a: np.ndarray, b: np.ndarray) -> Any:
    """:func:`_div` over float arrays (NaN = blank): ``a / b``, blank where either is blank or ``b`` is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.array(np.where(b != 0, a / b, np.nan), dtype="Float64")


def _item_metrics_by_codes(fin: pd.DataFrame) -> pd.DataFrame | None:
    """:func:`item_metrics` when (dept_id, year, item) is known: lookups by integer codes, not merges.

    ``None`` when an item is given twice in a department-year (then merges multiply the rows).
    """
    fc = _finance_codes(fin)
    if fc.dup.any():
        return None
    roll, _ = _rollup_arrays(fin, "actual", fc)
    ini, adj, act = (fin[c].array.to_numpy(dtype=float, na_value=np.nan) for c in MONEY)

    def take(values: np.ndarray, pos: np.ndarray) -> np.ndarray:
        return np.where(pos >= 0, values[np.maximum(pos, 0)], np.nan)

    prior = take(act, fc.find(fc.rid - fc.n_labels, np.ones(len(fin), dtype=bool)))
    parent_actual = take(roll, fc.ppos)
    total_actual = take(roll, fc.find(fc.key * fc.n_labels + fc.root_code, np.full(len(fin), fc.root_code >= 0)))
    order = np.argsort(fc.key, kind="stable")

    def col(values: np.ndarray) -> Any:
        return pd.array(values[order], dtype="Float64")

    out: dict[str, Any] = {c: fin[c].array.take(order) for c in ("dept_id", "year", "item", "parent", "split", *MONEY)}
    with np.errstate(invalid="ignore"):
        out.update(
            execution_rate=_ratio(act, adj)[order], execution_rate_initial=_ratio(act, ini)[order],
            adjustment_rate=_ratio(adj - ini, ini)[order], carryover=col(np.round(adj - act, 10)),
            prior_actual=col(prior), yoy_change=col(np.round(act - prior, 10)), yoy_rate=_ratio(act - prior, prior)[order],
            actual_rollup=col(roll), share_of_parent=_ratio(roll, parent_actual)[order],
            share_of_total=_ratio(roll, total_actual)[order],
        )
    return pd.DataFrame(out, columns=_ITEM_COLUMNS)


def yoy(ds: Dataset, items: list[str] | None = None) -> pd.DataFrame:
    """Year-over-year change of any finance item's actual, one row per dept, item and year.

    Columns ``dept_id, item, year, actual, prior_actual, yoy_change, yoy_rate``;
    only years whose actual is known. ``items=None`` means every item.
    """
    return yoy_from_items(item_metrics(ds), items)


def yoy_from_items(m: pd.DataFrame, items: list[str] | None = None) -> pd.DataFrame:
    """:func:`yoy` from an already computed :func:`item_metrics` frame."""
    if items is not None:
        m = m[m["item"].isin(items)]
    m = m[m["actual"].notna()]
    return m[["dept_id", "item", "year", "actual", "prior_actual", "yoy_change", "yoy_rate"]].sort_values(
        ["dept_id", "item", "year"], ignore_index=True)


def composition(ds: Dataset, parent: str = "基本支出", column: str = "actual") -> pd.DataFrame:
    """Shares of a line's children (e.g. 人员经费 / 公用经费 of 基本支出).

    ``column`` is ``actual``, ``adjusted_budget`` or ``initial_budget``; values
    are rolled up where a child is blank. Columns ``dept_id, year, parent, item,
    value, basis, share`` (share of the sum of the children).
    """
    roll = rolled_up(ds, column)
    kids = roll[roll["parent"] == parent].copy()
    total = kids.groupby(["dept_id", "year"])["value"].transform(lambda s: s.sum() if s.notna().all() else pd.NA)
    kids["share"] = _div(kids["value"], total.astype("Float64"))
    return kids[["dept_id", "year", "parent", "item", "value", "basis", "share"]].reset_index(drop=True)


def metrics(ds: Dataset) -> pd.DataFrame:
    """The headline metrics, one row per department and year.

    Columns (money in 万元, rates as fractions, blank → NA):

    ``budget_initial, budget_adjusted, actual``
        年度资金总额 年初预算数, 全年预算数, 全年执行数.
    ``execution_rate``, ``execution_rate_initial``
        actual / adjusted budget, actual / initial budget.
    ``adjustment_rate``, ``carryover``
        (adjusted − initial) / initial; adjusted − actual.
    ``yoy_item, prior_actual, yoy_change, yoy_rate``
        YoY of 年度资金总额's actual; when last year's total is not known but
        基本支出's is (as in 附件1-1's 上年决算数), of 基本支出 — ``yoy_item`` says which.
    ``personnel, public, basic, project``
        人员经费, 公用经费, 基本支出, 项目支出 actual (rolled up from their items when blank).
    ``personnel_share, personnel_share_basis``
        人员经费 / 基本支出 actual; the basis names the denominator.
    ``staff_quota, staff_actual, staff_retired, staff_control_rate``
        编制数, 实际在职人数, 退休人数, 实际在职 / 编制.
    ``per_capita_actual``
        actual / 实际在职人数.

    Examples
    --------
    >>> import perfeval
    >>> m = metrics(perfeval.load()).set_index(["dept_id", "year"]).loc[("hyx-wxb", 2021)]
    >>> round(float(m["execution_rate"]), 6), round(float(m["carryover"]), 4), round(float(m["staff_control_rate"]), 4)
    (0.995573, 0.38, 0.6316)
    """
    return _metrics_from_items(ds, item_metrics(ds))


_PICKS = (
    (ROOT_ITEM, {"initial_budget": "budget_initial", "adjusted_budget": "budget_adjusted", "actual": "actual",
                 "prior_actual": "prior_total"}),
    ("基本支出", {"actual_rollup": "basic", "prior_actual": "prior_basic", "actual": "basic_reported"}),
    ("人员经费", {"actual_rollup": "personnel"}),
    ("公用经费", {"actual_rollup": "public"}),
    ("项目支出", {"actual_rollup": "project"}),
)
_STAFF = {"quota": "staff_quota", "actual": "staff_actual", "retired": "staff_retired"}


def _key_rows(keys: pd.DataFrame, frames: list[pd.DataFrame]) -> list[np.ndarray] | None:
    """For each frame, its row matching each (dept_id, year) of ``keys`` (-1: none).

    ``None`` when a key is blank or a frame gives a key twice (then a merge's row
    multiplication is the answer, not a lookup).
    """
    parts = [keys, *frames]
    ids = [f["dept_id"].to_numpy(dtype=object, na_value=None) for f in parts]
    yrs = [f["year"].to_numpy(dtype=float, na_value=np.nan) for f in parts]
    if any(pd.isna(a).any() for a in ids) or any(np.isnan(a).any() for a in yrs):
        return None
    dcode = pd.factorize(np.concatenate(ids))[0].astype(np.int64)
    year = np.concatenate(yrs).astype(np.int64)
    y0 = int(year.min()) if len(year) else 0
    code = dcode * (int(year.max()) - y0 + 1 if len(year) else 1) + (year - y0)
    cuts = np.cumsum([len(a) for a in ids])[:-1]
    kcode, *fcodes = np.split(code, cuts)
    out = []
    for fc in fcodes:
        order = np.argsort(fc, kind="stable")
        sc = fc[order]
        if len(sc) > 1 and (sc[1:] == sc[:-1]).any():
            return None
        at = np.minimum(np.searchsorted(sc, kcode), max(len(sc) - 1, 0))
        out.append(np.where(sc[at] == kcode, order[at], -1) if len(sc) else np.full(len(kcode), -1))
    return out


def _metrics_from_items(ds: Dataset, im: pd.DataFrame) -> pd.DataFrame:
    """:func:`metrics` from an already computed :func:`item_metrics` (one pass for both)."""
    keys = ds.dept_years()[["dept_id", "year"]]
    item = im["item"].to_numpy(dtype=object, na_value=None)
    picked = [im[item == name] for name, _ in _PICKS]
    st = ds.staffing
    rows = _key_rows(keys, [*picked, st])
    if rows is None:
        df = keys
        for sub, (_, cols) in zip(picked, _PICKS):
            df = df.merge(sub[["dept_id", "year", *cols]].rename(columns=cols), on=["dept_id", "year"], how="left")
        df = df.merge(st[["dept_id", "year", *_STAFF]].rename(columns=_STAFF), on=["dept_id", "year"], how="left")
        out: dict[str, Any] = {c: v.array for c, v in df.items()}
    else:
        out = {"dept_id": keys["dept_id"].array, "year": keys["year"].array}
        for sub, (_, cols), pos in zip([*picked, st], [*_PICKS, ("", _STAFF)], rows):
            for c, name in cols.items():
                out[name] = sub[c].array.take(pos, allow_fill=True)
    f = {c: out[c].to_numpy(dtype=float, na_value=np.nan) for c in (
        "prior_total", "prior_basic", "basic_reported", "actual", "budget_initial", "budget_adjusted",
        "personnel", "basic", "staff_actual", "staff_quota")}
    use_total = ~np.isnan(f["prior_total"])
    use_basic = ~use_total & ~np.isnan(f["prior_basic"]) & ~np.isnan(f["basic_reported"])
    prior = np.where(use_total, f["prior_total"], np.where(use_basic, f["prior_basic"], np.nan))
    current = np.where(use_total, f["actual"], np.where(use_basic, f["basic_reported"], np.nan))
    yoy_item = np.where(use_total, ROOT_ITEM, np.where(use_basic, "基本支出", None)).astype(object)
    both = ~np.isnan(f["personnel"]) & ~np.isnan(f["basic"])
    with np.errstate(invalid="ignore"):
        out.update(
            execution_rate=_ratio(f["actual"], f["budget_adjusted"]),
            execution_rate_initial=_ratio(f["actual"], f["budget_initial"]),
            adjustment_rate=_ratio(f["budget_adjusted"] - f["budget_initial"], f["budget_initial"]),
            carryover=pd.array(np.round(f["budget_adjusted"] - f["actual"], 10), dtype="Float64"),
            yoy_item=pd.array(yoy_item, dtype=STR),
            prior_actual=pd.array(prior, dtype="Float64"),
            yoy_change=pd.array(np.round(current - prior, 10), dtype="Float64"),
            yoy_rate=_ratio(current - prior, prior),
            personnel_share=_ratio(f["personnel"], f["basic"]),
            personnel_share_basis=pd.array(np.where(both, "人员经费 / 基本支出全年执行数", None).astype(object), dtype=STR),
            staff_control_rate=_ratio(f["staff_actual"], f["staff_quota"]),
            per_capita_actual=_ratio(f["actual"], f["staff_actual"]),
        )
    depts = ds.departments[["dept_id", "name", "is_example"]]
    ids = depts["dept_id"].to_numpy(dtype=object, na_value=None)
    if rows is not None and not pd.isna(ids).any() and len(set(ids.tolist())) == len(ids):
        # keys are sorted (dept_years) and unique: one lookup per column, no merge nor sort
        at = pd.Index(ids).get_indexer(out["dept_id"].to_numpy(dtype=object))
        is_example = depts["is_example"].to_numpy(dtype=bool, na_value=False)
        out.update(name=depts["name"].array.take(at, allow_fill=True),
                   is_example=np.where(at >= 0, is_example[np.maximum(at, 0)], False))
        release_memory(len(im))
        return pd.DataFrame({c: out[c] for c in METRIC_COLUMNS})
    df = pd.DataFrame(out).merge(depts, on="dept_id", how="left")
    df["is_example"] = df["is_example"].fillna(False).astype(bool)
    out = df[METRIC_COLUMNS].sort_values(["dept_id", "year"], ignore_index=True)
    del df
    release_memory(len(im))
    return out


__all__ = ["metrics", "item_metrics", "yoy", "yoy_from_items", "composition", "rolled_up", "METRIC_COLUMNS"]
