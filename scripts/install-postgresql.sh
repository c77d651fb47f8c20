#!/bin/sh
# Install Debian's PostgreSQL server for the tests that also run on PostgreSQL, where this
# machine allows it. The tests start and stop their own throwaway server on 127.0.0.1;
# without the server binaries those tests are reported as skipped, with the reason.
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL tests: server not installed and apt-get not usable as this user; they will be skipped"
    exit 0
fi
echo "installing postgresql for the PostgreSQL tests"
apt-get update -qq >/dev/null 2>&1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postgresql >/dev/null 2>&1 \
    || echo "PostgreSQL tests: installing postgresql failed; they will be skipped"
exit 0
