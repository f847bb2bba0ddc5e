#!/usr/bin/env bash
# Creates ./.venv with the pinned real SDK (requirements-sdk.txt). Idempotent: a venv that already
# holds exactly these pins is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
py="${CAPSULE_SETUP_PYTHON:-python3}"
want=$(grep -vE '^\s*(#|$)' requirements-sdk.txt | sort)
if [ -x .venv/bin/python ] && [ "$(.venv/bin/python -m pip freeze 2>/dev/null | sort)" = "$want" ]; then
  exit 0
fi
"$py" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-sdk.txt
echo "python: .venv ready with $(.venv/bin/python -c 'import importlib.metadata as m; print("cpsl", m.version("cpsl"))')"
