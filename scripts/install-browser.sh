#!/bin/sh
# Install Debian's Chromium and a CJK font for the browser tests where this machine allows it.
# Without them the browser tests are reported as skipped, with the reason; nothing else fails.
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "browser tests: Chromium not installed and apt-get not usable as this user; they will be skipped"
    exit 0
fi
echo "installing chromium and fonts-wqy-microhei for the browser tests"
apt-get update -qq >/dev/null 2>&1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium fonts-wqy-microhei >/dev/null 2>&1 \
    || echo "browser tests: installing chromium failed; they will be skipped"
exit 0
