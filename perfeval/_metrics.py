"""Metrics as tidy frames: execution, adjustment, carry-over, YoY, composition, staffing.

Rates are fractions (0.9956, not 99.56). A metric whose inputs are blank, or whose
denominator is zero, is ``NA``: blank means unknown, never zero.

Where a finance line is blank but all of its children are given (the seed's
人员经费 spending is only given item by item), the line's *rolled-up* value (the
sum of its children) is used for composition; the frames say so in ``*_basis``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._dataset import STR, Dataset
from ._vocab import ROOT_ITEM, child_groups

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


def _groups(df: pd.DataFrame, columns: tuple[str, ...]) -> list[tuple[tuple[str, int], dict[str, list]]]:
    """``df``'s rows by (dept_id, year), sorted, each group a dict of column lists.

    One pass over the columns instead of a DataFrame per group (what ``groupby``
    iteration builds); NA keys are dropped as ``groupby`` drops them.
    """
    cols = [c for c in columns if c in df.columns]
    buckets: dict[tuple[str, int], dict[str, list]] = {}
    for d, y, *vals in zip(df["dept_id"].tolist(), df["year"].tolist(), *(df[c].tolist() for c in cols)):
        if pd.isna(d) or pd.isna(y):
            continue
        g = buckets.get((d, int(y)))
        if g is None:
            g = buckets[(d, int(y))] = {c: [] for c in cols}
        for c, v in zip(cols, vals):
            g[c].append(None if v is pd.NA else v)
    return sorted(buckets.items(), key=lambda kv: kv[0])


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
    # the whole frame at once where every line is reported; a department-year with a blank
    # line (or an item given twice) is rolled up line by line below
    own = fin[column].astype("Float64")
    keyed = fin[["dept_id", "year", "item"]]
    slow_key = (own.isna() | keyed.duplicated(keep=False)).groupby(
        [fin["dept_id"], fin["year"]], sort=False).transform("any").astype(bool)
    fast = pd.DataFrame({"dept_id": fin["dept_id"], "year": fin["year"], "item": fin["item"],
                         "parent": fin["parent"], "value": own, "basis": "reported"})[~slow_key.to_numpy()]
    out: list[dict] = []
    for (dept, year), g in _groups(fin[slow_key.to_numpy()], ("item", "parent", "split", column)):
        vals = dict(zip(g["item"], g[column]))
        kids: dict[str, dict[str, str]] = {}
        splits = g["split"] if "split" in g else [""] * len(g["item"])
        for item, parent, split in zip(g["item"], g["parent"], splits):
            if isinstance(parent, str):
                kids.setdefault(parent, {})[item] = split if isinstance(split, str) else ""
        # 年度资金总额's sources and natures are two splits of one whole: one group at a time
        children = {p: list(child_groups(p, k).values()) for p, k in kids.items()}
        memo: dict[str, tuple[float | None, str]] = {}

        def value(item: str, depth: int = 0) -> tuple[float | None, str]:
            if item in memo:
                return memo[item]
            v = vals.get(item)
            if v is not None and not pd.isna(v):
                res: tuple[float | None, str] = (float(v), "reported")
            else:
                res = (None, "unknown")
                for group in children.get(item, []) if depth < 20 else []:
                    parts = [value(c, depth + 1)[0] for c in group]
                    if all(p is not None for p in parts):
                        res = (round(sum(parts), 10), "children")  # type: ignore[arg-type]
                        break
            memo[item] = res
            return res

        for item, parent in zip(g["item"], g["parent"]):
            v, basis = value(item)
            out.append({"dept_id": dept, "year": year, "item": item, "parent": parent, "value": v, "basis": basis})
    df = pd.DataFrame(out, columns=["dept_id", "year", "item", "parent", "value", "basis"])
    if len(fast):
        df = pd.concat([fast.astype({"value": "Float64"}), df.astype({"value": "Float64"})], ignore_index=True)
        df = df.sort_values(["dept_id", "year"], kind="stable", ignore_index=True)
    return df.astype({"dept_id": STR, "year": "Int64", "item": STR, "parent": STR, "value": "Float64", "basis": STR})


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
    fin = ds.finance[["dept_id", "year", "item", "parent", "split", *MONEY]].copy()
    roll = rolled_up(ds)[["dept_id", "year", "item", "value"]].rename(columns={"value": "actual_rollup"})
    keys = fin[["dept_id", "year", "item"]]
    if len(fin) and not keys.isna().any(axis=None) and not keys.duplicated().any():
        df = _lookups(fin, roll)  # the merges below, as integer-code lookups (one row per key)
    else:
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
    cols = ["dept_id", "year", "item", "parent", "split", *MONEY, "execution_rate", "execution_rate_initial",
            "adjustment_rate", "carryover", "prior_actual", "yoy_change", "yoy_rate", "actual_rollup",
            "share_of_parent", "share_of_total"]
    return df[cols].sort_values(["dept_id", "year"], kind="stable", ignore_index=True)


def _lookups(fin: pd.DataFrame, roll: pd.DataFrame) -> pd.DataFrame:
    """``fin`` with ``prior_actual, actual_rollup, parent_actual, total_actual`` looked up by key codes.

    The same as left merges on (dept_id, year, item) when those keys are unique and
    known, without hashing the label strings once per merge.
    """
    from ._scoring import _key_arrays, _match

    d, y = _key_arrays(fin)
    item = fin["item"].to_numpy(dtype=object)
    parent = fin["parent"].to_numpy(dtype=object, na_value=None)
    actual = fin["actual"].to_numpy(dtype=float, na_value=np.nan)
    rd, ry = _key_arrays(roll)
    r_item = roll["item"].to_numpy(dtype=object)
    r_val = roll["actual_rollup"].to_numpy(dtype=float, na_value=np.nan)

    def take(values: np.ndarray, pos: np.ndarray) -> pd.arrays.FloatingArray:
        return pd.array(np.where(pos >= 0, values[np.maximum(pos, 0)], np.nan), dtype="Float64")

    root = r_item == ROOT_ITEM
    return fin.assign(
        prior_actual=take(actual, _match([d, y, item], [d, y + 1, item])),
        actual_rollup=take(r_val, _match([d, y, item], [rd, ry, r_item])),
        parent_actual=take(r_val, _match([d, y, parent], [rd, ry, r_item])),
        total_actual=take(r_val[root], _match([d, y], [rd[root], ry[root]])),
    )


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


def _metrics_from_items(ds: Dataset, im: pd.DataFrame) -> pd.DataFrame:
    """:func:`metrics` from an already computed :func:`item_metrics` (one pass for both)."""
    keys = ds.dept_years()[["dept_id", "year"]]

    def pick(item: str, cols: dict[str, str]) -> pd.DataFrame:
        sub = im[im["item"] == item][["dept_id", "year", *cols]].rename(columns=cols)
        return sub

    df = keys.merge(pick(ROOT_ITEM, {"initial_budget": "budget_initial", "adjusted_budget": "budget_adjusted", "actual": "actual",
                                     "prior_actual": "prior_total"}), on=["dept_id", "year"], how="left")
    df = df.merge(pick("基本支出", {"actual_rollup": "basic", "prior_actual": "prior_basic", "actual": "basic_reported"}),
                  on=["dept_id", "year"], how="left")
    df = df.merge(pick("人员经费", {"actual_rollup": "personnel"}), on=["dept_id", "year"], how="left")
    df = df.merge(pick("公用经费", {"actual_rollup": "public"}), on=["dept_id", "year"], how="left")
    df = df.merge(pick("项目支出", {"actual_rollup": "project"}), on=["dept_id", "year"], how="left")
    st = ds.staffing[["dept_id", "year", "quota", "actual", "retired"]].rename(
        columns={"quota": "staff_quota", "actual": "staff_actual", "retired": "staff_retired"})
    df = df.merge(st, on=["dept_id", "year"], how="left")
    use_total = df["prior_total"].notna()
    use_basic = ~use_total & df["prior_basic"].notna() & df["basic_reported"].notna()
    prior = df["prior_total"].where(use_total, df["prior_basic"].where(use_basic))
    current = df["actual"].where(use_total, df["basic_reported"].where(use_basic))
    yoy_item = pd.Series(pd.NA, index=df.index, dtype=STR)
    yoy_item = yoy_item.mask(use_total, ROOT_ITEM).mask(use_basic, "基本支出")
    df = df.assign(
        execution_rate=_div(df["actual"], df["budget_adjusted"]),
        execution_rate_initial=_div(df["actual"], df["budget_initial"]),
        adjustment_rate=_div(df["budget_adjusted"] - df["budget_initial"], df["budget_initial"]),
        carryover=(df["budget_adjusted"] - df["actual"]).round(10),
        yoy_item=yoy_item,
        prior_actual=prior.astype("Float64"),
        yoy_change=(current - prior).astype("Float64").round(10),
        yoy_rate=_div(current - prior, prior),
        personnel_share=_div(df["personnel"], df["basic"]),
        personnel_share_basis=pd.Series(["人员经费 / 基本支出全年执行数"] * len(df), index=df.index, dtype=STR).where(
            df["personnel"].notna() & df["basic"].notna()),
        staff_control_rate=_div(df["staff_actual"], df["staff_quota"]),
        per_capita_actual=_div(df["actual"], df["staff_actual"]),
    )
    depts = ds.departments[["dept_id", "name", "is_example"]]
    df = df.merge(depts, on="dept_id", how="left")
    df["is_example"] = df["is_example"].fillna(False).astype(bool)
    return df[METRIC_COLUMNS].sort_values(["dept_id", "year"], ignore_index=True)


__all__ = ["metrics", "item_metrics", "yoy", "yoy_from_items", "composition", "rolled_up", "METRIC_COLUMNS"]
