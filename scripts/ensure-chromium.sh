#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright (`playwright install` cannot download here).
# Install it with apt-get when it is missing and we can; otherwise the browser tests are skipped.
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null \
    && { echo "chromium installed."; exit 0; }
fi
echo "WARNING: chromium is not installed and could not be installed; browser tests will be skipped." >&2
echo "         Install it with: sudo apt-get install chromium" >&2
exit 0
