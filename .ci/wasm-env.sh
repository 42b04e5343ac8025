# Sourced by build-wasm.sh and test-wasm.sh: picks the wasm32 toolchain and
# wasm-bindgen-cli, installing what is missing.
#
# wasm32: `rustup target add wasm32-unknown-unknown` when it works (what users
# do); otherwise, or with PHOENIX_WASM_TOOLCHAIN=debian, Debian's compiler with std
# built from source. wasm-bindgen-cli is installed at the version Cargo.lock
# holds, under ~/.cache/phoenix-rs-tools (reused by later runs).
#
# Defines `wasm_cargo <cargo args>` (build/test for wasm32), `$wasm_target_dir`
# (where its output goes) and `$bindgen_dir` (wasm-bindgen and
# wasm-bindgen-test-runner).

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)

if [ "${PHOENIX_WASM_TOOLCHAIN:-rustup}" != debian ] && rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
    echo "wasm32 through rustup"
    wasm_target_dir=target
    wasm_cargo() {
        local command=$1
        shift
        cargo "$command" --locked --target wasm32-unknown-unknown "$@"
    }
else
    echo "wasm32 through Debian's rustc-web with std built from source"
    if ! dpkg -s rustc-web cargo-web rust-web-src rust-web-llvm lld-22 >/dev/null 2>&1; then
        apt-get update -qq
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
            rustc-web cargo-web rust-web-src rust-web-llvm lld-22
    fi
    wasm_target_dir=target/wasm-debian
    wasm_cargo() {
        local command=$1
        shift
        env RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CARGO_TARGET_DIR=target/wasm-debian \
            /usr/bin/cargo "$command" --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort "$@"
    }
fi

tools="${PHOENIX_TOOLS:-$HOME/.cache/phoenix-rs-tools}"
bindgen_dir="$tools/bin"
if ! "$bindgen_dir/wasm-bindgen" --version 2>/dev/null | grep -q " $bindgen_version\$"; then
    if command -v wasm-bindgen >/dev/null && wasm-bindgen --version | grep -q " $bindgen_version\$" \
        && [ -x "$(dirname "$(command -v wasm-bindgen)")/wasm-bindgen-test-runner" ]; then
        bindgen_dir=$(dirname "$(command -v wasm-bindgen)")
    else
        echo "installing wasm-bindgen-cli $bindgen_version into $tools (a few minutes, once)"
        cargo install --quiet --root "$tools" wasm-bindgen-cli --version "=$bindgen_version"
    fi
fi
