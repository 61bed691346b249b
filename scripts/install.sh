#!/usr/bin/env bash
# Set up perfeval on a fresh Debian machine (stock Debian 12 included: no `python` command,
# pip refusing the system Python under PEP 668):
#   1. system packages (as root, through apt): python3-venv to make a virtual environment,
#      Pango and HarfBuzz's subsetter for weasyprint's PDF, poppler-utils for the PDF tests,
#      LibreOffice for the workbook and legacy .doc tests, Chromium for the explorer and HTML tests
#      (driven by Playwright with executable_path: never `playwright install`);
#   2. a virtual environment .venv/ in the repository, made with python3 (3.10 or newer);
#   3. perfeval itself (editable) with the extras below, into .venv/.
# Afterwards run everything through the venv: .venv/bin/perfeval …, .venv/bin/python -m pytest.
# Safe to run again: it installs only what is missing. PERFEVAL_VENV overrides the venv's folder.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages (add new ones here; one word each).
APT_PACKAGES=(
  python3-venv
  libpango-1.0-0
  libpangoft2-1.0-0
  libharfbuzz-subset0
  poppler-utils
  libreoffice-calc-nogui
  libreoffice-writer-nogui
  chromium
)
# pip extras of perfeval installed into the venv (add new ones here).
EXTRAS=(test dask)
VENV="${PERFEVAL_VENV:-.venv}"

say() { echo "perfeval 安装：$*" >&2; }

# -- system packages -------------------------------------------------------------------------
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  need=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ]; then
    say "安装系统软件包 ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
elif [ "$(id -u)" != 0 ]; then
  say "非 root 用户：跳过系统软件包（需要时请让管理员安装：${APT_PACKAGES[*]}）"
fi

# -- the interpreter: python3 first (Debian has no `python`), 3.10 or newer --------------------
PY=""
for candidate in python3 python; do
  if command -v "$candidate" >/dev/null 2>&1 \
     && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    PY="$(command -v "$candidate")"
    break
  fi
done
if [ -z "$PY" ]; then
  say "找不到 Python 3.10 或更新版本（python3）；请先安装 python3"
  exit 1
fi

# -- the virtual environment -----------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  say "用 $PY（$("$PY" -c 'import platform; print(platform.python_version())')）创建虚拟环境 $VENV"
  rm -rf "$VENV"
  if ! "$PY" -m venv "$VENV"; then
    rm -rf "$VENV"
    say "无法创建虚拟环境：请安装 python3-venv（root：apt-get install python3-venv）后重试"
    exit 1
  fi
fi

# -- perfeval and its extras -----------------------------------------------------------------
extras="$(IFS=,; echo "${EXTRAS[*]}")"
say "安装 perfeval[$extras] 到 $VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[$extras]"
say "完成：用 $VENV/bin/perfeval 运行命令，用 $VENV/bin/python -m pytest 运行测试"
