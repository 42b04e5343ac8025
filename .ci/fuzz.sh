#!/usr/bin/env bash
# Fuzzes the decoders that take untrusted input (the cargo-fuzz crate in
# server/fuzz, libFuzzer): builds every target once, then runs each for
# FUZZ_SECONDS (default 30) from its committed seed corpus. Any crash, panic,
# failed assertion or input taking over FUZZ_TIMEOUT seconds (default 5: a
# hang) fails the script, naming the input that did it.
#
# It installs what it needs by itself and is safe to run again:
# - a C++ compiler (libFuzzer is C++, built by the libfuzzer-sys crate);
# - a nightly toolchain by rustup (`--profile minimal`), cargo-fuzz's usual
#   compiler; if it cannot be installed, the stable one with RUSTC_BOOTSTRAP=1.
#   Checked on this project's machines: nightly installs and works; stable
#   works too, as is with the default sanitizer (none: cargo-fuzz's coverage
#   flags are stable ones) and with RUSTC_BOOTSTRAP=1 for the address
#   sanitizer (-Zsanitizer);
# - cargo-fuzz (`cargo install --locked cargo-fuzz`, about 3 minutes), if missing.
#
# Settings (environment):
#   FUZZ_SECONDS    seconds per target (default 30)
#   FUZZ_TIMEOUT    seconds one input may take before it counts as a hang (5)
#   FUZZ_TARGETS    targets to run, space-separated (default: all)
#   FUZZ_JOBS       targets fuzzed at the same time (default: the CPU count)
#   FUZZ_SANITIZER  cargo-fuzz --sanitizer: none (default: several times the
#                   executions per second) or address
#   FUZZ_TOOLCHAIN  stable to skip the nightly download (default: nightly)
#
# The committed corpus (server/fuzz/corpus/<target>) is only read: inputs
# found during the run go to target/fuzz-run/<target>/corpus, crashes to
# target/fuzz-run/<target>/artifacts. Reproduce one with
#   target/fuzz/<host triple>/release/<target> <input file>
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-5}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
FUZZ_SANITIZER=${FUZZ_SANITIZER:-none}
FUZZ_TOOLCHAIN=${FUZZ_TOOLCHAIN:-nightly}
FUZZ_DIR=server/fuzz
TARGET_DIR=target/fuzz
WORK=target/fuzz-run
export CARGO_INCREMENTAL=0

step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

step "fuzz: toolchain"
if ! command -v c++ >/dev/null 2>&1; then
    apt-get update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends g++
fi
toolchain=()
if [ "$FUZZ_TOOLCHAIN" = nightly ] && command -v rustup >/dev/null 2>&1 &&
    { rustup run nightly rustc --version >/dev/null 2>&1 ||
        rustup toolchain install nightly --profile minimal; }; then
    toolchain=(+nightly)
    rustup run nightly rustc --version
else
    echo "fuzzing with the default toolchain and RUSTC_BOOTSTRAP=1"
    export RUSTC_BOOTSTRAP=1
    rustc --version
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi
cargo fuzz --version

step "fuzz: build every target (sanitizer: $FUZZ_SANITIZER)"
build_started=$SECONDS
# -O: the profile in server/fuzz/Cargo.toml decides where debug assertions
# and overflow checks are on (our crates), instead of every crate. 16 codegen
# units instead of cargo-fuzz's 1: a faster build for slightly slower targets.
cargo "${toolchain[@]}" fuzz build -O --fuzz-dir "$FUZZ_DIR" --target-dir "$TARGET_DIR" \
    --sanitizer "$FUZZ_SANITIZER" --codegen-units 16
echo "built in $((SECONDS - build_started)) s"

host=$(rustc -vV | sed -n 's/^host: //p')
bin_dir="$TARGET_DIR/$host/release"
read -r -a targets <<<"${FUZZ_TARGETS:-$(cargo fuzz list --fuzz-dir "$FUZZ_DIR" | tr '\n' ' ')}"

# Runs one target; its log and a one-line summary go to $WORK/<target>/.
run_target() {
    local target=$1 dir="$WORK/$1" status=0
    rm -rf "$dir"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    "$bin_dir/$target" "$dir/corpus" "$FUZZ_DIR/corpus/$target" \
        -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" \
        -artifact_prefix="$dir/artifacts/" -print_final_stats=1 \
        >"$dir/log" 2>&1 || status=$?
    local runs rate
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
    printf '%-16s %s runs, %s exec/s, exit %s\n' "$target" "${runs:-?}" "${rate:-?}" "$status" \
        >"$dir/summary"
    echo "$status" >"$dir/status"
}

step "fuzz: ${#targets[@]} targets, ${FUZZ_SECONDS} s each, ${FUZZ_JOBS} at a time"
for target in "${targets[@]}"; do
    [ -x "$bin_dir/$target" ] || { echo "no fuzz target $target" >&2; exit 1; }
    run_target "$target" &
    while [ "$(jobs -rp | wc -l)" -ge "$FUZZ_JOBS" ]; do
        wait -n || true
    done
done
wait

failed=()
for target in "${targets[@]}"; do
    cat "$WORK/$target/summary"
    if [ "$(cat "$WORK/$target/status")" != 0 ]; then
        failed+=("$target")
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    for target in "${failed[@]}"; do
        printf '\n--- %s failed; its log ends:\n' "$target" >&2
        grep -v '^#\|^INFO\|^stat::' "$WORK/$target/log" | tail -40 >&2
        for input in "$WORK/$target"/artifacts/*; do
            [ -e "$input" ] || continue
            echo "input: $input (reproduce: $bin_dir/$target $input)" >&2
        done
    done
    echo "fuzzing found problems in: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: no crash, no hang ($((SECONDS - started)) s in all)"
