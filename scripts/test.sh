#!/usr/bin/env bash
# Installs what the tests need (Chromium from Debian, pinned requirements) and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji
fi
python -m pip install -q -r requirements.txt
python -m pytest -q -p no:cacheprovider --timeout=900 tests
