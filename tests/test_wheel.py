"""Packaging: the wheel carries notebooks, data, fonts and frameworks; set-up and CI follow the README."""
from __future__ import annotations

import ast
import json
import os
import re
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

import perfeval
from perfeval import _paths

ROOT = Path(__file__).resolve().parents[1]


def _quick_start() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 快速开始", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


# --------------------------------------------------------------------------- fast


def test_readme_quick_start_is_two_commands_that_name_the_venv():
    setup, tests = _quick_start()
    assert setup == "bash scripts/install.sh && .venv/bin/perfeval all"
    assert tests == ".venv/bin/python -m pytest"  # works in a fresh shell: no activation needed


def test_ci_runs_the_install_script_then_the_readme_test_command():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert "bash scripts/install.sh" in lines
    assert lines[-1] == _quick_start()[1]
    assert lines.index("bash scripts/install.sh") < len(lines) - 1


def test_install_script_makes_its_own_venv_with_python3():
    script = (ROOT / "scripts" / "install.sh").read_text()
    packages = re.search(r"APT_PACKAGES=\((.*?)\)", script, re.S).group(1).split()
    assert "python3-venv" in packages
    assert re.search(r'VENV="\$\{PERFEVAL_VENV:-\.venv\}"', script)
    assert "for candidate in python3 python;" in script  # Debian 12 has no `python`
    assert '-m venv "$VENV"' in script
    assert re.search(r'"\$VENV/bin/python" -m pip install .*-e "\.\[\$extras\]"', script)
    assert "pip install" not in script.replace('"$VENV/bin/python" -m pip install', "")  # never the system pip


def test_type_checking_imports_list_every_lazy_name():
    tree = ast.parse((ROOT / "perfeval" / "__init__.py").read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    seen = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            assert alias.asname == alias.name  # explicit re-export
            seen[alias.name] = node.module.removeprefix("perfeval.")
    assert seen == perfeval._LAZY
    assert (ROOT / "perfeval" / "py.typed").is_file()


def test_checkout_paths_point_into_the_repository():
    assert _paths.IN_CHECKOUT
    assert _paths.NOTEBOOKS_DIR == ROOT / "notebooks"
    assert _paths.DEFAULT_DATASET == ROOT / "data" / "default"
    assert not (ROOT / "perfeval" / "notebooks").exists() and not (ROOT / "perfeval" / "data").exists()


def test_kernels_get_no_pythonpath_injected(monkeypatch):
    from perfeval._run import _kernel_env

    monkeypatch.delenv("PYTHONPATH", raising=False)
    assert "PYTHONPATH" not in _kernel_env()


# --------------------------------------------------------------------------- the wheel, installed elsewhere


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (path,) = out.glob("perfeval-*.whl")
    return path


@pytest.mark.e2e
def test_wheel_carries_notebooks_data_fonts_frameworks_and_py_typed(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"perfeval/notebooks/{nb.name}" in names
    for table in (ROOT / "data" / "default").iterdir():
        assert f"perfeval/data/default/{table.name}" in names
    for folder in ("fonts", "frameworks"):
        for f in (ROOT / "perfeval" / folder).iterdir():
            assert f"perfeval/{folder}/{f.name}" in names
    assert "perfeval/py.typed" in names
    assert not any(n.startswith(("tests/", "notebooks/", "data/")) for n in names)


def _current_site_packages() -> list[str]:
    dirs = [*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    return list(dict.fromkeys(d for d in dirs if Path(d).is_dir()))


@pytest.mark.e2e
def test_wheel_installed_in_a_fresh_venv_outside_the_checkout_runs_perfeval_all(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # The heavy dependencies (pandas, matplotlib, jupyter, weasyprint) come from this
    # environment's site-packages, appended to the new one's path. A directory named in a
    # .pth file has its own .pth files ignored, so this environment's editable perfeval
    # stays invisible: the wheel is the only perfeval there.
    (Path(purelib) / "_perfeval_test_deps.pth").write_text("\n".join(_current_site_packages()) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PERFEVAL_EXPORTS", "VIRTUAL_ENV"}}
    # ... and so do their data files (nbconvert's templates, the kernel spec), which live under the prefix.
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(Path(sys.prefix) / "share" / "jupyter"),
                                                       os.environ.get("JUPYTER_PATH")]))
    proc = subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                           "--disable-pip-version-check", str(wheel)], capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    work = tmp_path / "work"
    work.mkdir()
    probe = ("import json, perfeval, perfeval._paths as p; print(json.dumps({'file': perfeval.__file__, "
             "'checkout': p.IN_CHECKOUT, 'notebooks': str(p.NOTEBOOKS_DIR), 'data': str(p.DEFAULT_DATASET)}))")
    info = json.loads(subprocess.run([python, "-c", probe], capture_output=True, text=True, env=env, cwd=work,
                                     check=True).stdout)
    assert Path(info["file"]).is_relative_to(env_dir) and not info["checkout"]
    assert Path(info["notebooks"]).is_relative_to(env_dir) and Path(info["data"]).is_relative_to(env_dir)

    proc = subprocess.run([env_dir / "bin" / "perfeval", "all", "--no-progress"], capture_output=True, text=True,
                          env=env, cwd=work, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    exports = work / "exports"  # an installed perfeval writes into ./exports
    names = {p.name for p in exports.iterdir()}
    ds = perfeval.load()
    for dept_id in ds.departments["dept_id"]:
        stem = f"部门报告_{ds.dept_name(dept_id)}_{ds.years(dept_id)[-1]}"
        assert {f"{stem}.{ext}" for ext in ("ipynb", "html", "pdf", "xlsx")} <= names, stem
    year = ds.comparison_year()
    assert {f"部门对比_{year}.{ext}" for ext in ("ipynb", "html", "pdf", "xlsx")} <= names
    assert {"趋势分析.ipynb", "趋势分析.html", "趋势分析.pdf"} <= names
    assert all((exports / n).stat().st_size > 0 for n in names)
    assert (exports / f"部门对比_{year}.pdf").read_bytes().startswith(b"%PDF")
