#!/usr/bin/env bash
# Builds the /wasm example page's client (client-wasm/example) into
# priv/static/wasm and prints its sizes: raw, after wasm-bindgen, after
# wasm-opt, gzipped.
#
# The toolchain comes from .ci/wasm-env.sh (rustup's wasm32 target or
# Debian's, PHOENIX_WASM_TOOLCHAIN=debian); wasm-opt is npm's binaryen (Debian's
# is too old). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

out=priv/static/wasm
crate=phoenix-wasm-chat
name=phoenix_wasm_chat
source .ci/wasm-env.sh
wasm_cargo build --release -p "$crate"
wasm="$wasm_target_dir/wasm32-unknown-unknown/release/$name.wasm"
bindgen="$bindgen_dir/wasm-bindgen"

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
