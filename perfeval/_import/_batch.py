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


def _splice(df: pd.DataFrame, drop: pd.Series, new: pd.DataFrame) -> pd.DataFrame:
    """``df`` without the ``drop`` rows, ``new`` inserted where the first dropped row was (else appended)."""
    mask = drop.to_numpy(dtype=bool)
    pos = int(mask.argmax()) if mask.any() else len(df)
    kept = df[~mask]
    k = int((~mask[:pos]).sum())
    parts = [x for x in (kept.iloc[:k], new, kept.iloc[k:]) if not x.empty]
    if not parts:
        return df.iloc[0:0]
    return pd.concat(parts, ignore_index=True)[list(df.columns)]


def _same_project(df: pd.DataFrame, project: str) -> pd.Series:
    """Rows of the same project ("" = the department's own report); tables without the column are department rows."""
    if "project" not in df.columns:
        return pd.Series(not project, index=df.index, dtype=bool)
    return df["project"].fillna("") == project


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
    """The dataset folder being merged into, held in memory until written."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.tables = {name: _read_csv(out_dir / f"{name}.csv", cols) for name, cols in CONTRACT_COLUMNS.items()}
        self.absent = {name: (set(df.attrs.get("absent", ())) & OPTIONAL_COLUMNS
                              if (out_dir / f"{name}.csv").exists() else set())
                       for name, df in self.tables.items()}
        self.prov = _read_csv(out_dir / PROVENANCE_FILE, PROVENANCE_COLUMNS)
        self.prov_absent = (set(self.prov.attrs.get("absent", ())) & OPTIONAL_COLUMNS
                            if (out_dir / PROVENANCE_FILE).exists() else set())
        self.log = _read_csv(out_dir / LOG_FILE, LOG_COLUMNS)
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
        if not rep.name or (deps["dept_id"] == rep.dept_id).any():
            return rep
        region = deps["region"].fillna("")
        same = deps[(deps["name"] == rep.name) & ((region == rep.region) | (region == "") | (rep.region == ""))]
        if len(same) != 1:
            return rep
        new_id = str(same["dept_id"].iloc[0])

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
        owners = self.prov[(self.prov["dept_id"] == dept) & (self.prov["report_year"] == year)
                           & (self.prov["project"] == rep.project)]
        if not owners.empty:
            same = (owners["file"] == rep.file) | (owners["file_sha1"] == rep.sha1)
            if same.any():
                return None
            what = f"同一项目（{rep.project}）" if rep.project else ""
            return (f"与已导入的 {owners['file'].iloc[0]} 属同一部门（{dept}）同一年度（{year}）{what}，"
                    f"未覆盖；如确需替换，请先删除旧数据")
        for name in ("staffing", "indicators", "goals", "evaluations"):
            t = self.tables[name]
            if ((t["dept_id"] == dept) & (t["year"] == year) & _same_project(t, rep.project)).any():
                return f"数据集中已有部门 {dept} {year} 年的数据（非本工具导入，{name}），未覆盖"
        fin = self.tables["finance"]
        rows = fin[(fin["dept_id"] == dept) & (fin["year"] == year) & _same_project(fin, rep.project)]
        if not rows.empty:
            known = self.prov[(self.prov["table"] == "finance") & (self.prov["dept_id"] == dept)
                              & (self.prov["year"] == year)]
            hand = set(rows["item"]) - set(known["key"])
            if hand:
                return f"数据集中已有部门 {dept} {year} 年的资金数据（非本工具导入），未覆盖"
        return None

    # -- merging -------------------------------------------------------------
    def merge(self, rep: ImportedReport) -> None:
        """Put a report's block in place of its previous import (same position), or append it."""
        dept, year = rep.dept_id, str(rep.year)
        prov = self.prov
        block = (prov["dept_id"] == dept) & (prov["report_year"] == year) & (prov["project"] == rep.project)
        old_fin = set(map(tuple, prov[block & (prov["table"] == "finance")][["year", "key"]].to_numpy().tolist()))
        fin = self.tables["finance"]
        fin_drop = fin["dept_id"].eq(dept) & _same_project(fin, rep.project) & pd.Series(
            [(y, i) in old_fin for y, i in zip(fin["year"].tolist(), fin["item"].tolist())], index=fin.index, dtype=bool)

        new_prov = _blank(rep.provenance)
        new_fin = _blank(rep.tables["finance"])
        skip_keys: set[tuple[str, str]] = set()
        prov_drop = block.copy()
        is_dept = ((fin["dept_id"] == dept) & _same_project(fin, rep.project)).to_numpy(dtype=bool)
        dropped = fin_drop.to_numpy(dtype=bool)
        lookup = {(y, i): pos for pos, (y, i, d, x) in enumerate(zip(fin["year"].tolist(), fin["item"].tolist(), is_dept, dropped))
                  if d and not x}
        for row in new_fin.to_dict("records"):
            pos = lookup.get((row["year"], row["item"]))
            if pos is None:
                continue
            same = pd.Series(False, index=fin.index)
            same.iloc[pos] = True
            old = fin[same].iloc[0]
            differs = [c for c in ("initial_budget", "adjusted_budget", "actual", "unit")
                       if old[c] and row[c] and old[c] != row[c]]
            if row["year"] == year:  # this report is the primary source of its own year
                fin_drop = fin_drop | same
                prov_drop = prov_drop | ((prov["table"] == "finance") & (prov["dept_id"] == dept)
                                         & (prov["year"] == year) & (prov["key"] == row["item"])
                                         & (prov["project"] == rep.project))
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
            keep = [(y, i) not in skip_keys for y, i in zip(new_fin["year"], new_fin["item"])]
            new_fin = new_fin[keep]
            pkeep = [not (t == "finance" and (y, k) in skip_keys)
                     for t, y, k in zip(new_prov["table"], new_prov["year"], new_prov["key"])]
            new_prov = new_prov[pkeep]
        self.tables["finance"] = _splice(fin, fin_drop, new_fin)
        for name in ("staffing", "indicators", "goals", "evaluations"):
            t = self.tables[name]
            if name == "staffing" and rep.project:
                continue  # a project form does not speak for the department's staff
            self.tables[name] = _splice(t, (t["dept_id"] == dept) & (t["year"] == year) & _same_project(t, rep.project),
                                        _blank(rep.tables[name]))
        self.prov = _splice(prov, prov_drop, new_prov)
        self._merge_department(rep)
        log = self.log
        self.log = _splice(log, log["file"] == rep.file, _blank(rep.log))

    def _merge_department(self, rep: ImportedReport) -> None:
        deps = self.tables["departments"]
        new = _blank(rep.tables["departments"]).iloc[0]
        hit = deps["dept_id"] == rep.dept_id
        if not hit.any():
            self.tables["departments"] = pd.concat([deps, new.to_frame().T], ignore_index=True)
            return
        idx = deps.index[hit][0]
        deps = deps.copy()
        for c in ("name", "region", "full_name"):
            old = deps.at[idx, c]
            if not old and new[c]:
                deps.at[idx, c] = new[c]
            elif old and new[c] and old != new[c]:
                self._note(WARNING, rep.file, f"departments {rep.dept_id} {c}", new[c],
                           f"部门信息与已有的「{old}」不同，保留已有值")
        self.tables["departments"] = deps

    def fail(self, file: str, reason: str) -> None:
        entry = pd.DataFrame([{"level": ERROR, "file": file, "location": "文件", "raw": "", "message": reason}],
                             columns=LOG_COLUMNS)
        self.log = _splice(self.log, self.log["file"] == file, entry)

    def _note(self, level: str, file: str, location: str, raw: str, message: str) -> None:
        self.new_log.append({"level": level, "file": file, "location": location, "raw": raw, "message": message})

    # -- writing -------------------------------------------------------------
    def write(self) -> None:
        """Commit every table, the provenance and the log together (:func:`commit`)."""
        files: dict[str, bytes] = {}
        for name, cols in CONTRACT_COLUMNS.items():
            df = _blank(self.tables[name])
            # an optional column the folder's file did not have stays out while nothing fills it
            keep = [c for c in cols if not (c in self.absent[name] and not df[c].astype(bool).any())]
            files[f"{name}.csv"] = _csv_bytes(df[keep])
        prov = _blank(self.prov)
        keep = [c for c in PROVENANCE_COLUMNS if not (c in self.prov_absent and not prov[c].astype(bool).any())]
        files[PROVENANCE_FILE] = _csv_bytes(prov[keep])
        log = pd.concat([self.log, pd.DataFrame(self.new_log, columns=LOG_COLUMNS)], ignore_index=True)
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
