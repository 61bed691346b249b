"""perfeval.synth: a seeded synthetic province whose planted contradictions check() finds."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

import perfeval
from perfeval._synth import TRUTH_COLUMNS, TRUTH_FILE, score_audit, synth


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("province")
    result = synth(folder, counties=2, departments=14, years=(2021, 2022), seed=7, contradiction_rate=0.5)
    return result, perfeval.load(folder)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_same_seed_same_files_other_seed_other_numbers(tmp_path):
    a = synth(tmp_path / "a", counties=1, departments=4, years=(2022, 2023), seed=3, contradiction_rate=0.5)
    b = synth(tmp_path / "b", counties=1, departments=4, years=(2022, 2023), seed=3, contradiction_rate=0.5)
    c = synth(tmp_path / "c", counties=1, departments=4, years=(2022, 2023), seed=4, contradiction_rate=0.5)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert not a.frames["finance"].equals(c.frames["finance"])
    assert a.dept_years == 8 and set(a.frames["evaluations"]["year"]) == {"2022", "2023"}
    assert (tmp_path / "a" / TRUTH_FILE).is_file()


def test_province_loads_in_the_input_contract(province):
    result, ds = province
    assert len(ds.evaluations) == result.dept_years == 56
    assert len(ds.departments) == 28 and ds.departments["region"].nunique() == 2
    assert 7 <= ds.indicators.groupby(["dept_id", "year"]).size().min()
    # the text forms the parser handles all occur: bounds, full width, deadlines, qualitative, budget
    targets = " ".join(ds.indicators["target"].dropna())
    for form in ("≥", "≤", "月", "不突破预算", "万元"):
        assert form in targets
    assert set(ds.indicators["rule"].dropna()) >= {"≥", "≤", "定性", "预算"}
    assert set(ds.finance["split"].dropna()) == {"total", "source", "nature", "detail", "memo"}


def test_every_finding_code_is_planted_and_found(province):
    result, ds = province
    assert set(result.injected) == set(perfeval.CATALOGUE)
    assert set(result.truth["code"]) == set(perfeval.CATALOGUE)
    assert list(result.truth.columns) == TRUTH_COLUMNS
    audit = score_audit(perfeval.check(ds), result.truth)
    assert audit["missed"].empty, audit["missed"].to_string()
    assert audit["unexpected"].empty, audit["unexpected"].to_string()
    assert audit["recall"] == audit["precision"] == 1.0


def test_clean_province_has_no_findings(tmp_path):
    synth(tmp_path, counties=1, departments=12, years=(2021, 2022, 2023), seed=11, contradiction_rate=0.0)
    assert pd.read_csv(tmp_path / TRUTH_FILE).empty
    assert perfeval.check(perfeval.load(tmp_path)).empty


def test_score_audit_counts_misses_and_extras():
    truth = pd.DataFrame([{"code": "staff_over_quota", "dept_id": "d", "year": 2022, "key": "人员", "injected": "x"},
                          {"code": "sum_mismatch", "dept_id": "d", "year": 2022, "key": "资金 三公经费", "injected": "y"}])
    found = pd.DataFrame([{"code": "staff_over_quota", "dept_id": "d", "year": 2022, "location": "人员 实际在职人数"},
                          {"code": "vague_actual", "dept_id": "d", "year": 2022, "location": "绩效指标 第1项"}])
    audit = score_audit(found, truth)
    assert audit["recall"] == 0.5 and audit["precision"] == 0.5
    assert list(audit["missed"]["code"]) == ["sum_mismatch"] and list(audit["unexpected"]["code"]) == ["vague_actual"]


def test_dept_years_grid_and_bad_arguments(tmp_path):
    r = synth(dept_years=45, years=(2022,), contradiction_rate=0.0)
    assert r.dept_years == 45 and r.frames["departments"]["region"].nunique() == 2
    with pytest.raises(ValueError, match="contradiction_rate"):
        synth(contradiction_rate=1.5)
