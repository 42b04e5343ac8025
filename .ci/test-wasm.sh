#!/usr/bin/env bash
# Runs the Rust client's browser tests (client-wasm/tests/web.rs) with
# wasm-bindgen-test in headless Chromium, through Debian's chromedriver,
# against the demo server (target/debug/demo) on a free port of 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! [ -x /usr/bin/chromedriver ]; then # (test-all.sh installs it too)
    apt-get update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium-driver
fi
source .ci/wasm-env.sh

[ -x target/debug/demo ] || cargo build -p demo
port=$(node -e "const s = require('net').createServer(); s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
PHX_ENV=test PORT=$port PHX_ROOT=$PWD RUST_LOG=warn target/debug/demo >target/test-wasm-demo.log 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 $demo 2>/dev/null || { echo "the demo server did not start:" >&2; cat target/test-wasm-demo.log >&2; exit 1; }
    sleep 0.1
done

export PHOENIX_TEST_SOCKET="ws://127.0.0.1:$port/socket"
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_WEBDRIVER_JSON=$PWD/client-wasm/webdriver.json
export WASM_BINDGEN_TEST_TIMEOUT=60
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=$bindgen_dir/wasm-bindgen-test-runner
wasm_cargo test -p phoenix-client --test web
