#!/usr/bin/env bash
# Builds the /wasm example page's client (client-wasm/example) into
# priv/static/wasm and prints its sizes: raw, after wasm-bindgen, after
# wasm-opt, gzipped.
#
# wasm32: `rustup target add wasm32-unknown-unknown` when it works (what users
# do); otherwise, or with PHX_WASM_TOOLCHAIN=debian, Debian's compiler with std
# built from source. wasm-bindgen-cli is installed at the version Cargo.lock
# holds, under ~/.cache/phoenix-rs-tools (reused by later runs); wasm-opt is
# npm's binaryen (Debian's is too old). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

out=priv/static/wasm
crate=phoenix-wasm-chat
name=phoenix_wasm_chat
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)

if [ "${PHX_WASM_TOOLCHAIN:-rustup}" != debian ] && rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
    echo "wasm32 through rustup"
    cargo build --release --locked --target wasm32-unknown-unknown -p "$crate"
    wasm="target/wasm32-unknown-unknown/release/$name.wasm"
else
    echo "wasm32 through Debian's rustc-web with std built from source"
    if ! dpkg -s rustc-web cargo-web rust-web-src rust-web-llvm lld-22 >/dev/null 2>&1; then
        apt-get update -qq
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
            rustc-web cargo-web rust-web-src rust-web-llvm lld-22
    fi
    env RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CARGO_TARGET_DIR=target/wasm-debian \
        /usr/bin/cargo build --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort -p "$crate"
    wasm="target/wasm-debian/wasm32-unknown-unknown/release/$name.wasm"
fi

tools="${PHX_TOOLS:-$HOME/.cache/phoenix-rs-tools}"
bindgen="$tools/bin/wasm-bindgen"
if ! "$bindgen" --version 2>/dev/null | grep -q " $version\$"; then
    if command -v wasm-bindgen >/dev/null && wasm-bindgen --version | grep -q " $version\$"; then
        bindgen=$(command -v wasm-bindgen)
    else
        echo "installing wasm-bindgen-cli $version into $tools (a few minutes, once)"
        cargo install --quiet --root "$tools" wasm-bindgen-cli --version "=$version"
    fi
fi

mkdir -p "$out"
"$bindgen" --target web --no-typescript --out-dir "$out" "$wasm"
raw=$(stat -c %s "$wasm")
bindgened=$(stat -c %s "$out/${name}_bg.wasm")
if [ -x node_modules/.bin/wasm-opt ]; then
    node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
        --enable-sign-ext --enable-mutable-globals --enable-reference-types \
        "$out/${name}_bg.wasm" -o "$out/${name}_bg.wasm"
fi
optimized=$(stat -c %s "$out/${name}_bg.wasm")
gzipped=$(gzip -9 -c "$out/${name}_bg.wasm" | wc -c)
printf 'wasm sizes: raw %s, wasm-bindgen %s, wasm-opt %s, gzip %s bytes\n' "$raw" "$bindgened" "$optimized" "$gzipped"
