#!/usr/bin/env bash
# Install everything perfeval and its test suite need on a fresh Debian machine:
# system packages (Pango and HarfBuzz's subsetter for weasyprint's PDF, poppler-utils for the PDF tests,
# LibreOffice for the workbook and legacy .doc tests, Chromium for the explorer and HTML tests
# driven by Playwright — never `playwright install`) and the package itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  need=()
  for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils libreoffice-calc-nogui libreoffice-writer-nogui chromium; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "perfeval：安装系统软件包 ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi
python -m pip install -q --disable-pip-version-check -e ".[app,test]"
