#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry into static/vendor/.
# Run by hand when upgrading an asset; the app never fetches assets at run time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund
mkdir -p "$root/static/vendor/pico"
cp node_modules/@picocss/pico/css/pico.min.css "$root/static/vendor/pico/"
cp node_modules/@picocss/pico/LICENSE.md "$root/static/vendor/pico/"
echo "vendored into $root/static/vendor"
