"""The documented catalogues match the code."""
from __future__ import annotations

from pathlib import Path

import pytest

from perfeval._checks import CATALOGUE
from perfeval._errors import ProblemCode
from perfeval._scoring import list_frameworks

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("code", [c.value for c in ProblemCode])
def test_every_problem_code_is_in_the_readme(code):
    assert f"`{code}`" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_finding_code_is_in_the_catalogue_doc(code):
    doc = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    severity, title, _ = CATALOGUE[code]
    assert f"| `{code}` | {severity} | {title} |" in doc


def test_every_framework_is_documented():
    doc = (ROOT / "docs" / "frameworks.md").read_text(encoding="utf-8")
    for name in list_frameworks():
        assert name in doc
