"""Snapshots of text analysts read, for the real seed department.

A change in wording or in a number shows up as a diff here. After a deliberate
change, refresh every snapshot with one command and review the diff:

    PERFEVAL_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_snapshots.py
"""
from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

import perfeval
from perfeval.cli import emit, frame_records
from perfeval.narrative import department_summary, findings_summary

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("PERFEVAL_UPDATE_SNAPSHOTS") == "1"


def assert_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"snapshot {name} is missing: run PERFEVAL_UPDATE_SNAPSHOTS=1 python -m pytest {__file__}")
        path.write_text(text, encoding="utf-8")
        return
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from its snapshot; if the change is deliberate, refresh with "
        "PERFEVAL_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_snapshots.py")


@pytest.fixture(scope="module")
def seed():
    return perfeval.load().subset(["hyx-wxb"])


def test_department_summary_text(seed):
    assert_snapshot("department_summary_hyx-wxb_2021.txt", department_summary(seed, "hyx-wxb", 2021).text + "\n")


def test_findings_summary_text(seed):
    f = perfeval.check(seed)
    assert_snapshot("findings_summary_hyx-wxb_2021.txt", findings_summary(f, "hyx-wxb", 2021).text + "\n")


def test_findings_table(seed):
    buf = io.StringIO()
    emit(perfeval.check(seed), "csv", out=buf)
    assert_snapshot("check_hyx-wxb.csv", buf.getvalue())


def test_scorecard_and_metrics_records(seed):
    card = perfeval.rescore(seed)
    doc = {
        "metrics": frame_records(perfeval.metrics(seed)),
        "totals": frame_records(card.totals),
        "categories": frame_records(card.categories),
        "indicators": frame_records(card.indicators.drop(columns=["source"], errors="ignore")),
    }
    text = json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n"
    assert_snapshot("scorecard_hyx-wxb.json", text)
