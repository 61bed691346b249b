"""Batch import: many report files into one dataset folder, merged idempotently."""
from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from perfeval._import._layout import (
    CONTRACT_COLUMNS, ERROR, INFO, LOG_COLUMNS, PROVENANCE_COLUMNS, WARNING, ImportedReport,
)
from perfeval._import._model import ReportImportError
from perfeval._import._read import SUPPORTED_EXTS, display_name
from perfeval._limits import InputRefused, check_regular_file
from perfeval._privacy import mask_text

PROVENANCE_FILE = "provenance.csv"
LOG_FILE = "import_log.csv"
#: columns a dataset written before they existed may lack (read as blank)
OPTIONAL_COLUMNS = {"project"}


@dataclass
class ImportSummary:
    """What a batch import did.

    Attributes
    ----------
    out_dir : Path
        The dataset folder written.
    imported : list of str
        Files imported (with or without warnings).
    with_warnings : list of str
        Files imported whose log holds warnings.
    failed : list of (str, str)
        Files not imported and why (Chinese).
    conflicts : list of (str, str)
        Files not imported because another file already holds the same
        department and year, and which one.
    ignored : list of str
        Files found in folders that are not reports (other types, Office lock files).
    """

    out_dir: Path
    imported: list[str] = field(default_factory=list)
    with_warnings: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no file failed and no conflict was found."""
        return not self.failed and not self.conflicts

    def __str__(self) -> str:
        total = len(self.imported) + len(self.failed) + len(self.conflicts)
        lines = [
            f"导入完成：共 {total} 个文件；成功 {len(self.imported)} 个（其中有警告 {len(self.with_warnings)} 个），"
            f"失败 {len(self.failed)} 个，冲突 {len(self.conflicts)} 个"
            + (f"，忽略非报告文件 {len(self.ignored)} 个" if self.ignored else "") + "。"
        ]
        if self.with_warnings:
            lines.append("有警告（详见 import_log.csv）：" + "、".join(self.with_warnings[:20])
                         + ("……" if len(self.with_warnings) > 20 else ""))
        if self.failed:
            lines.append("失败：")
            lines += [f"  - {f}：{why}" for f, why in self.failed]
        if self.conflicts:
            lines.append("冲突（未覆盖已有数据）：")
            lines += [f"  - {f}：{why}" for f, why in self.conflicts]
        lines.append(f"数据集：{self.out_dir}（来源记录 {PROVENANCE_FILE}，导入日志 {LOG_FILE}）")
        return "\n".join(lines)


def collect_files(paths: list[str | os.PathLike[str]]) -> tuple[list[Path], list[str], list[tuple[str, str]]]:
    """Expand files and folders into report files (sorted), ignored names and refused paths.

    Refused are paths that do not exist and files that are not regular files
    (a FIFO, a device, a link to ``/dev/zero``): they are named with the reason
    (and its code) and never opened.
    """
    files: list[Path] = []
    ignored: list[str] = []
    missing: list[tuple[str, str]] = []

    def take(f: Path) -> None:
        try:
            check_regular_file(f)
        except InputRefused as exc:
            missing.append((str(f), f"{exc.reason}（{exc.code}）"))
            return
        files.append(f)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p)
                if any(part.startswith(".") for part in rel.parts) or f.is_dir():
                    continue
                if f.name.startswith("~$") or f.suffix.lower() not in SUPPORTED_EXTS:
                    ignored.append(str(f))
                    continue
                take(f)
        elif p.exists() or p.is_symlink():
            take(p)
        else:
            missing.append((str(p), "文件或文件夹不存在"))
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, ignored, missing


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype="str") for c in columns})
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ReportImportError(str(path), f"输出文件夹中已有的表无法读取（{type(exc).__name__}），未写入任何内容") from None
    missing = [c for c in columns if c not in df.columns]
    if [c for c in missing if c not in OPTIONAL_COLUMNS] and not df.empty:
        raise ReportImportError(str(path), f"输出文件夹中已有的表缺少列 {', '.join(c for c in missing if c not in OPTIONAL_COLUMNS)}（应为数据模型的英文表头），未写入任何内容")
    for c in missing:
        df[c] = ""
    out = df[columns].astype("str")
    out.attrs["absent"] = set(missing)
    return out


def _blank(df: pd.DataFrame) -> pd.DataFrame:
    return df.fillna("").astype("str")


Key = tuple[str, ...]


class _Table:
    """A table being merged into: rows (dicts) in table order, found by key without scanning.

    ``keys`` names the indexes (``name -> columns``); :meth:`find` gives the live
    rows of a key in table order. :meth:`replace` drops rows and puts new ones
    where the first dropped row was (else at the end), as a merge must, in time
    proportional to the rows touched: each row carries a sort position (a tuple;
    rows put in place of a dropped row at position ``p`` get ``p + (k,)``, which
    sort after ``p`` and before anything that followed it), and the table is put
    in order once, by :meth:`frame`.
    """

    def __init__(self, df: pd.DataFrame, columns: list[str], keys: dict[str, tuple[str, ...]]) -> None:
        self.columns = columns
        self.keys = keys
        self.rows: list[dict[str, str]] = []
        self.pos: list[tuple[int, ...]] = []
        self.alive: list[bool] = []
        self.index: dict[str, dict[Key, list[int]]] = {name: {} for name in keys}
        self._next = 0
        self._add(df.to_dict("records"), None)

    def _key(self, name: str, row: dict[str, str]) -> Key:
        return tuple(row.get(c, "") or "" for c in self.keys[name])

    def _add(self, rows: list[dict[str, str]], at: tuple[int, ...] | None) -> None:
        for k, row in enumerate(rows):
            rid = len(self.rows)
            self.rows.append(row)
            self.alive.append(True)
            if at is None:
                self.pos.append((self._next,))
                self._next += 1
            else:
                self.pos.append((*at, k))
            for name in self.keys:
                self.index[name].setdefault(self._key(name, row), []).append(rid)

    def find(self, index: str, key: Key) -> list[int]:
        """Live row ids of ``key`` in the ``index``, in table order."""
        ids = [i for i in self.index[index].get(key, ()) if self.alive[i]]
        return sorted(ids, key=self.pos.__getitem__) if len(ids) > 1 else ids

    def replace(self, drop: set[int] | list[int], new: list[dict[str, str]]) -> None:
        """Drop the ``drop`` rows; ``new`` goes where the first of them was, else at the end."""
        live = [i for i in drop if self.alive[i]]
        at = min((self.pos[i] for i in live), default=None)
        for i in live:
            self.alive[i] = False
        self._add(new, at)

    def set(self, rid: int, column: str, value: str) -> None:
        """Change one value of a live row (its index entries follow)."""
        row = self.rows[rid]
        touched = [name for name, cols in self.keys.items() if column in cols]
        for name in touched:
            self.index[name][self._key(name, row)].remove(rid)
        row[column] = value
        for name in touched:
            self.index[name].setdefault(self._key(name, row), []).append(rid)

    def frame(self) -> pd.DataFrame:
        order = sorted((i for i, a in enumerate(self.alive) if a), key=self.pos.__getitem__)
        return _blank(pd.DataFrame([self.rows[i] for i in order], columns=self.columns))


def _records(df: pd.DataFrame) -> list[dict[str, str]]:
    return _blank(df).to_dict("records")


#: the indexes each table keeps (a report's block is its department, year and project)
_DEPT_YEAR = ("dept_id", "year", "project")
_TABLE_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "departments": {"id": ("dept_id",), "name": ("name",)},
    "finance": {"block": _DEPT_YEAR, "item": ("dept_id", "project", "year", "item")},
    "staffing": {"block": _DEPT_YEAR},
    "indicators": {"block": _DEPT_YEAR},
    "goals": {"block": _DEPT_YEAR},
    "evaluations": {"block": _DEPT_YEAR},
}
_PROV_KEYS = {"block": ("dept_id", "report_year", "project"), "year": ("table", "dept_id", "year"),
              "item": ("table", "dept_id", "year", "key", "project")}


STAGING_DIR = ".perfeval-staging"
COMMIT_MARK = "COMMIT"


def _staging(out_dir: Path) -> Path:
    return out_dir / STAGING_DIR


def recover(out_dir: str | os.PathLike[str]) -> str | None:
    """Finish or undo an import that was killed while writing ``out_dir``; what was done (Chinese) or None.

    A batch writes every table into ``out_dir/.perfeval-staging/``, then writes
    the ``COMMIT`` mark listing them, then renames each into place. A staging
    folder with the mark is a committed batch: its remaining files are moved in
    (roll forward). Without the mark nothing had been replaced yet: it is
    deleted (roll back).
    """
    staging = _staging(Path(out_dir))
    if not staging.is_dir():
        return None
    mark = staging / COMMIT_MARK
    if mark.is_file():
        names = [n for n in mark.read_text(encoding="utf-8").splitlines() if n and "/" not in n and n != COMMIT_MARK]
        for name in names:
            if (staging / name).is_file():
                os.replace(staging / name, Path(out_dir) / name)
        shutil.rmtree(staging, ignore_errors=True)
        return "上次导入在写入时中断，已按其提交记录完成写入"
    shutil.rmtree(staging, ignore_errors=True)
    return "上次导入在写入时中断（尚未提交），已丢弃其未完成的文件，数据集保持导入前的状态"


def _csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def commit(out_dir: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (name -> bytes) into ``out_dir`` all together (see :func:`recover`).

    Each file is written into the staging folder with :func:`write_bytes_atomic`
    (mode from the umask, like every export), the ``COMMIT`` mark is written
    last, then the files are renamed into place and the staging folder removed.
    A kill before the mark leaves the dataset as it was; after it, the next
    import (or :func:`recover`) finishes the swap.
    """
    from perfeval._export import write_bytes_atomic

    out_dir.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    staging = _staging(out_dir)
    staging.mkdir()
    for name, data in files.items():
        write_bytes_atomic(staging / name, data)
    write_bytes_atomic(staging / COMMIT_MARK, "\n".join(files).encode("utf-8") + b"\n")
    for name in files:
        os.replace(staging / name, out_dir / name)
    shutil.rmtree(staging, ignore_errors=True)


class _State:
    """The dataset folder being merged into, held in memory (indexed by block) until written once."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        frames = {name: _read_csv(out_dir / f"{name}.csv", cols) for name, cols in CONTRACT_COLUMNS.items()}
        self.absent = {name: (set(df.attrs.get("absent", ())) & OPTIONAL_COLUMNS
                              if (out_dir / f"{name}.csv").exists() else set())
                       for name, df in frames.items()}
        self.tables = {name: _Table(df, CONTRACT_COLUMNS[name], _TABLE_KEYS[name]) for name, df in frames.items()}
        prov = _read_csv(out_dir / PROVENANCE_FILE, PROVENANCE_COLUMNS)
        self.prov_absent = (set(prov.attrs.get("absent", ())) & OPTIONAL_COLUMNS
                            if (out_dir / PROVENANCE_FILE).exists() else set())
        self.prov = _Table(prov, PROVENANCE_COLUMNS, _PROV_KEYS)
        self.log = _Table(_read_csv(out_dir / LOG_FILE, LOG_COLUMNS), LOG_COLUMNS, {"file": ("file",)})
        self.new_log: list[dict] = []

    # -- identity ------------------------------------------------------------
    def match_department(self, rep: ImportedReport) -> ImportedReport:
        """Reuse an existing department's id when the report names the same department.

        A generated id hashes region + name, so a copy of the tables without the
        title (no region) would otherwise become a second department. When exactly
        one department already in the dataset has the same name and a compatible
        region (equal, or blank on either side), the report takes its id; the
        import log says so.
        """
        deps = self.tables["departments"]
        if not rep.name or deps.find("id", (rep.dept_id,)):
            return rep
        same = [i for i in deps.find("name", (rep.name,))
                if deps.rows[i]["region"] in (rep.region, "") or rep.region == ""]
        if len(same) != 1:
            return rep
        new_id = deps.rows[same[0]]["dept_id"]

        def rekey(df: pd.DataFrame) -> pd.DataFrame:
            if "dept_id" not in df.columns:
                return df
            return df.assign(dept_id=df["dept_id"].mask(df["dept_id"] == rep.dept_id, new_id))

        self._note(INFO, rep.file, f"departments {new_id}", rep.name,
                   f"按部门名称「{rep.name}」归入已有部门 {new_id}（生成的编码 {rep.dept_id} 未使用）")
        return replace(rep, dept_id=new_id, tables={k: rekey(v) for k, v in rep.tables.items()},
                       provenance=rekey(rep.provenance))

    # -- conflicts -----------------------------------------------------------
    def conflict(self, rep: ImportedReport) -> str | None:
        dept, year = rep.dept_id, str(rep.year)
        prov = self.prov
        owners = [prov.rows[i] for i in prov.find("block", (dept, year, rep.project))]
        if owners:
            if any(o["file"] == rep.file or o["file_sha1"] == rep.sha1 for o in owners):
                return None
            what = f"同一项目（{rep.project}）" if rep.project else ""
            return (f"与已导入的 {owners[0]['file']} 属同一部门（{dept}）同一年度（{year}）{what}，"
                    f"未覆盖；如确需替换，请先删除旧数据")
        for name in ("staffing", "indicators", "goals", "evaluations"):
            if self.tables[name].find("block", (dept, year, rep.project)):
                return f"数据集中已有部门 {dept} {year} 年的数据（非本工具导入，{name}），未覆盖"
        fin = self.tables["finance"]
        rows = fin.find("block", (dept, year, rep.project))
        if rows:
            known = {prov.rows[i]["key"] for i in prov.find("year", ("finance", dept, year))}
            if {fin.rows[i]["item"] for i in rows} - known:
                return f"数据集中已有部门 {dept} {year} 年的资金数据（非本工具导入），未覆盖"
        return None

    # -- merging -------------------------------------------------------------
    def merge(self, rep: ImportedReport) -> None:
        """Put a report's block in place of its previous import (same position), or append it."""
        dept, year, project = rep.dept_id, str(rep.year), rep.project
        prov, fin = self.prov, self.tables["finance"]
        block = prov.find("block", (dept, year, project))
        prov_drop = set(block)
        old_fin = {(prov.rows[i]["year"], prov.rows[i]["key"]) for i in block if prov.rows[i]["table"] == "finance"}
        fin_drop = {i for y, item in old_fin for i in fin.find("item", (dept, project, y, item))}

        new_prov = _records(rep.provenance)
        new_fin = _records(rep.tables["finance"])
        skip_keys: set[tuple[str, str]] = set()
        owned = frozenset(fin_drop)
        for row in new_fin:
            # the last row of this item the previous import did not own (rows of other reports' 上年决算数)
            others = [i for i in fin.find("item", (dept, project, row["year"], row["item"])) if i not in owned]
            if not others:
                continue
            pos = others[-1]
            old = fin.rows[pos]
            differs = [c for c in ("initial_budget", "adjusted_budget", "actual", "unit")
                       if old[c] and row[c] and old[c] != row[c]]
            if row["year"] == year:  # this report is the primary source of its own year
                fin_drop.add(pos)
                prov_drop.update(prov.find("item", ("finance", dept, year, row["item"], project)))
                if differs:
                    self._note(WARNING, rep.file, f"finance {dept} {year} {row['item']}",
                               "；".join(f"{c}: {old[c]} → {row[c]}" for c in differs),
                               "本年度报告的数值替换了其他报告中“上年决算数”给出的数值")
            else:
                skip_keys.add((row["year"], row["item"]))
                if differs:
                    self._note(WARNING, rep.file, f"finance {dept} {row['year']} {row['item']}",
                               "；".join(f"{c}: {old[c]} / {row[c]}" for c in differs),
                               f"“上年决算数”与数据集中 {row['year']} 年已有数值不一致，保留已有数值")
        if skip_keys:
            new_fin = [r for r in new_fin if (r["year"], r["item"]) not in skip_keys]
            new_prov = [r for r in new_prov if not (r["table"] == "finance" and (r["year"], r["key"]) in skip_keys)]
        fin.replace(fin_drop, new_fin)
        for name in ("staffing", "indicators", "goals", "evaluations"):
            if name == "staffing" and project:
                continue  # a project form does not speak for the department's staff
            t = self.tables[name]
            t.replace(t.find("block", (dept, year, project)), _records(rep.tables[name]))
        prov.replace(prov_drop, new_prov)
        self._merge_department(rep)
        self.log.replace(self.log.find("file", (rep.file,)), _records(rep.log))

    def _merge_department(self, rep: ImportedReport) -> None:
        deps = self.tables["departments"]
        new = _records(rep.tables["departments"])[0]
        hit = deps.find("id", (rep.dept_id,))
        if not hit:
            deps.replace([], [new])
            return
        idx = hit[0]
        for c in ("name", "region", "full_name"):
            old = deps.rows[idx][c]
            if not old and new[c]:
                deps.set(idx, c, new[c])
            elif old and new[c] and old != new[c]:
                self._note(WARNING, rep.file, f"departments {rep.dept_id} {c}", new[c],
                           f"部门信息与已有的「{old}」不同，保留已有值")

    def fail(self, file: str, reason: str) -> None:
        entry = {"level": ERROR, "file": file, "location": "文件", "raw": "", "message": reason}
        self.log.replace(self.log.find("file", (file,)), [entry])

    def _note(self, level: str, file: str, location: str, raw: str, message: str) -> None:
        self.new_log.append({"level": level, "file": file, "location": location, "raw": raw, "message": message})

    # -- writing -------------------------------------------------------------
    def write(self) -> None:
        """Commit every table, the provenance and the log together (:func:`commit`)."""
        files: dict[str, bytes] = {}
        for name, cols in CONTRACT_COLUMNS.items():
            df = self.tables[name].frame()
            # an optional column the folder's file did not have stays out while nothing fills it
            keep = [c for c in cols if not (c in self.absent[name] and not df[c].astype(bool).any())]
            files[f"{name}.csv"] = _csv_bytes(df[keep])
        prov = self.prov.frame()
        keep = [c for c in PROVENANCE_COLUMNS if not (c in self.prov_absent and not prov[c].astype(bool).any())]
        files[PROVENANCE_FILE] = _csv_bytes(prov[keep])
        log = pd.concat([self.log.frame(), pd.DataFrame(self.new_log, columns=LOG_COLUMNS)], ignore_index=True)
        files[LOG_FILE] = _csv_bytes(_blank(log)[LOG_COLUMNS].drop_duplicates())
        commit(self.out_dir, files)


def import_reports(paths: list[str | os.PathLike[str]] | str | os.PathLike[str], out_dir: str | os.PathLike[str],
                   dept_id: str | None = None, year: int | None = None, progress: bool = True,
                   dept_name: str | None = None, keep_personal_data: bool = False, jobs: int = 1,
                   scheduler: str | None = None) -> ImportSummary:
    """Import report files and folders into a dataset folder.

    Each file is read with :func:`read_report`; a file that cannot be read is
    reported and skipped, the rest import. The dataset CSVs (contract columns,
    UTF-8), ``provenance.csv`` and ``import_log.csv`` are written atomically into
    ``out_dir``, merging with what is there: a department-year coming again from
    the same file (same name or same content) replaces itself; from another file
    it is a conflict and the existing data is kept. The batch commits all its
    files together: a batch killed while writing leaves the dataset as it was,
    or is completed by the next import (:func:`recover`).

    Parameters
    ----------
    paths : path-like or list of path-like
        Files and/or folders (searched recursively; Office lock files ``~$…``
        and files of other types are ignored).
    out_dir : path-like
        The dataset folder (created if needed).
    dept_id, year, dept_name : optional
        Passed to :func:`read_report` for every file.
    progress : bool
        Show a progress bar on stderr (tqdm).
    jobs, scheduler : optional
        Read the files in ``jobs`` worker processes, or on the dask cluster at
        ``scheduler`` (:func:`perfeval._parallel.read_reports`); merging stays
        serial, in file order, so the dataset is the same.
    keep_personal_data : bool
        Keep phone numbers, ID-card numbers, e-mails and contact names as
        written (default: masked in the tables, provenance, log, file names and
        this summary; ``docs/security.md``).

    Returns
    -------
    ImportSummary
        Imported, with warnings, failed (and why), conflicts, ignored.

    Raises
    ------
    ReportImportError
        When the existing tables in ``out_dir`` cannot be read (nothing is written).
    """
    from perfeval._parallel import read_reports

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ReportImportError(str(out), "输出位置是一个文件，不是文件夹")
    recovered = recover(out) if out.is_dir() else None
    files, ignored, missing = collect_files(list(paths))

    def shown(path: str | os.PathLike[str]) -> str:
        text = os.fsencode(str(path)).decode("utf-8", "backslashreplace")
        return text if keep_personal_data else mask_text(text)

    def reason_of(text: str) -> str:
        return text if keep_personal_data else mask_text(text)

    summary = ImportSummary(out_dir=out, ignored=[shown(x) for x in ignored])
    state = _State(out)
    if recovered:
        state._note(WARNING, "", "数据集", "", recovered)
    for name, why in missing:
        summary.failed.append((shown(name), why))
        state.fail(shown(Path(name).name), why)
    for f, status, rep in read_reports(files, dept_id=dept_id, year=year, dept_name=dept_name,
                                       keep_personal_data=keep_personal_data, workers=jobs,
                                       scheduler=scheduler, progress=progress):
        label = shown(display_name(f))
        if status != "ok":
            reason = reason_of(rep if status == "error" else f"内部错误（{rep}），请将此文件反馈给维护者")
            summary.failed.append((shown(f), reason))
            state.fail(label, reason)
            continue
        if dept_id is None:
            rep = state.match_department(rep)
        why = state.conflict(rep)
        if why is not None:
            summary.conflicts.append((shown(f), why))
            state.fail(label, "冲突：" + why)
            continue
        state.merge(rep)
        summary.imported.append(shown(f))
        if rep.has_warnings:
            summary.with_warnings.append(shown(f))
    state.write()
    return summary
