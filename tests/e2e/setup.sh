#!/bin/sh
# Set up the end-to-end tests on a fresh Debian machine (as root; `make test` runs it).
# Chromium comes from the distribution, never from Playwright's download servers:
# the tests launch /usr/bin/chromium through Playwright's Python driver. When it cannot
# be installed, the browser tests skip and say why; the rest of the suite still runs.
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = "0" ]; then
        (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core) \
            || echo "setup.sh: chromium could not be installed; the browser tests will skip"
    else
        echo "setup.sh: not root, cannot install chromium; the browser tests will skip"
    fi
fi
[ -x /usr/bin/chromium ] && /usr/bin/chromium --version || true
