#!/usr/bin/env bash
# Installs the system packages the test suite needs, when missing: the PostgreSQL 15
# server binaries (the tests create a throw-away cluster with them; skipped when
# DAICHO_PG_URL names your own server), Chromium (the console's end-to-end test), and
# qpdf and poppler-utils with poppler-data (the Adobe-Japan1 CMaps) that check the PDF
# reports (packages/core/src/incidents/report-pdf.test.ts; skipped, by name, without them).
# Uses Debian's apt; needs root (or sudo).
set -euo pipefail
need=()
if [[ -z "${DAICHO_PG_URL:-}" ]] && [[ ! -x /usr/lib/postgresql/15/bin/initdb ]]; then
  need+=(postgresql-15)
fi
if [[ -z "${DAICHO_CHROMIUM:-}" ]] && [[ ! -x /usr/bin/chromium ]]; then
  need+=(chromium)
fi
if ! command -v qpdf >/dev/null 2>&1; then
  need+=(qpdf)
fi
if ! command -v pdftotext >/dev/null 2>&1 || [[ ! -d /usr/share/poppler/cMap/Adobe-Japan1 ]]; then
  need+=(poppler-utils poppler-data)
fi
if [[ ${#need[@]} -eq 0 ]]; then
  exit 0
fi
sudo=""
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-system-deps: need root to install ${need[*]}" >&2
    exit 1
  fi
fi
echo "install-system-deps: installing ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
