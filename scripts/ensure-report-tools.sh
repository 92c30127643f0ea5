#!/usr/bin/env bash
# The PDF reports need WeasyPrint's libraries (Pango, HarfBuzz); their golden-image test needs `pdftoppm`
# (poppler-utils). Install what is missing with apt-get when we can; otherwise the golden-image test is skipped
# (and, without Pango, the report tests fail, saying so).
set -u
missing=()
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
for lib in libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 libharfbuzz-subset.so.0:libharfbuzz-subset0; do
  ldconfig -p 2>/dev/null | grep -q "${lib%%:*}" || missing+=("${lib##*:}")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} for the PDF reports' tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    && { echo "${missing[*]} installed."; exit 0; }
fi
echo "WARNING: ${missing[*]} missing and could not be installed: install them with sudo apt-get install ${missing[*]}" >&2
exit 0
