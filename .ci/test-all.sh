#!/usr/bin/env bash
# Runs every test of the project on a fresh machine of this project's kind:
# formatting, lints (warnings are errors), unit, integration and doc tests,
# phoenix.js unit tests, and JavaScript clients driving the demo server.
# It installs what it needs by itself and is safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

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
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt-get update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends nodejs npm
fi
node --version

step "JavaScript packages (npm ci)"
npm ci --no-audit --no-fund

step "format (cargo fmt --check)"
cargo fmt --all -- --check

step "lints (cargo clippy, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests (unit, integration, doc)"
cargo test --workspace --locked

step "phoenix.js unit tests (Node's test runner, fake WebSocket and clock)"
npm run --silent test:client

step "the official phoenix npm client and ours against the demo server (WebSocket and LongPoll)"
cargo build -p demo --locked
npm run --silent test:node-clients

step "all tests passed"
