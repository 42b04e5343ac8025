#!/usr/bin/env bash
# Runs every test of the project on a fresh machine of this project's kind:
# formatting, lints (warnings are errors), unit, integration and doc tests,
# phoenix.js unit tests, JavaScript clients driving the demo server, the wasm
# build of the Rust client, a 2-minute soak, fuzzing (30 s per target) and the
# Playwright specs in Debian's Chromium.
# It installs what it needs by itself and is safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
# Playwright must use Debian's Chromium, never download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# A one-shot build gains nothing from incremental caches, which take gigabytes
# of a disk whose free space varies (a CI run once ran out of it).
export CARGO_INCREMENTAL=0

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install Rust with rustup (https://rustup.rs)" >&2
    exit 1
fi
for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        rustup component add "$component"
    fi
done
cargo --version
df -h . | tail -1 | awk '{print "disk: " $4 " free of " $2}'
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
# A real Redis for the cluster tests (three demo nodes sharing PubSub).
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# The soak plot's font; the dashboard's window under Xvfb, drawn by Mesa's
# software OpenGL.
for package in fonts-dejavu-core xvfb xauth libgl1 libglx-mesa0 libgl1-mesa-dri libx11-6 libx11-xcb1 \
    libxcursor1 libxi6 libxrandr2 libxkbcommon0 libxkbcommon-x11-0; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    step "Debian packages: ${missing[*]}"
    apt-get update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi
node --version
/usr/bin/chromium --version 2>/dev/null | grep -v "unexpected operator" || true

step "JavaScript packages (npm ci)"
npm ci --no-audit --no-fund

step "format (cargo fmt --check)"
cargo fmt --all -- --check

step "lints (cargo clippy, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "PostgreSQL for the database tests (a throwaway cluster in target/postgres)"
PHOENIX_TEST_POSTGRES_URL=$(bash .ci/postgres.sh target/postgres)
export PHOENIX_TEST_POSTGRES_URL
# Tests that need PostgreSQL fail instead of skipping.
export PHOENIX_REQUIRE_POSTGRES=1
trap 'bash .ci/postgres.sh stop target/postgres' EXIT
echo "$PHOENIX_TEST_POSTGRES_URL"

step "tests (unit, integration, doc)"
# The workspace enables phoenix's `db` feature (the demo uses it), so this
# runs phoenix's database tests too.
cargo test --workspace --locked

step "phoenix.js unit tests (Node's test runner, fake WebSocket and clock)"
npm run --silent test:client

step "the official phoenix npm client and ours against the demo server (WebSocket and LongPoll), and three demo nodes on redis-server"
cargo build -p demo -p phx --locked
npm run --silent test:node-clients

step "the wasm client: wasm32 build, wasm-bindgen, wasm-opt (PHOENIX_WASM_TOOLCHAIN=debian for Debian's compiler)"
bash .ci/build-wasm.sh

step "the wasm client in headless Chromium (wasm-bindgen-test, Debian's chromedriver)"
bash .ci/test-wasm.sh

step "the dashboard's real window under Xvfb against the demo (screenshots in target/dashboard-screenshots/)"
cargo test -p phoenix-dashboard --locked --test window -- --ignored --nocapture

step "soak: 2 minutes of mixed load on the demo (5,000 sockets, HTTP, churn, slow and vanishing clients); fails if anything grows without bound (plot in target/soak/soak.png)"
cargo run -p demo --bin soak --locked -- --seconds 120

step "fuzzing: every target of server/fuzz for 30 s from its seed corpus (cargo-fuzz, libFuzzer)"
bash .ci/fuzz.sh

step "Playwright specs in Debian's Chromium (screenshots in test-results/)"
npm run --silent test:e2e

du -sh target 2>/dev/null | awk '{print "target/: " $1}'
step "all tests passed"
