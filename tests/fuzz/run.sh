#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for SECONDS (default 60),
# one after the other. New interesting inputs go to BUILD/fuzz-work/<target>/ (the committed seed
# corpus in tests/fuzz/corpus/<target>/ is read, never written); crashes, hangs and leaks go to
# BUILD/fuzz-artifacts/<target>/. Exits non-zero if any target failed.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]       e.g. tests/fuzz/run.sh 300 parse scan
#   env: BUILD (default build-fuzz), CXX (default clang++-14), JOBS (default 2),
#        FUZZ_ARGS (extra libFuzzer flags, e.g. "-jobs=2 -workers=2")
#
# A finding: copy the artifact into tests/fuzz/regressions/<target>/ (a name that says what it
# is), fix or report it (see docs/robustness.md); fuzz_regressions replays it from then on.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(parse compile scan policy hunt module rulesfile)
build="${BUILD:-$root/build-fuzz}"
cxx="${CXX:-clang++-14}"

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DYARROW_FUZZ=ON \
  -DYARROW_SANITIZE=ON -DYARROW_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]/%/_fuzzer}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
for t in "${targets[@]}"; do
  work="$build/fuzz-work/$t"
  artifacts="$build/fuzz-artifacts/$t"
  mkdir -p "$work" "$artifacts"
  case "$t" in
    scan) max_len=8192 ;;
    hunt) max_len=16384 ;;
    module|rulesfile) max_len=65536 ;;
    *) max_len=4096 ;;
  esac
  dict=()
  case "$t" in parse|compile|scan) dict=(-dict="$here/yara.dict") ;; esac
  echo "=== $t: ${seconds}s"
  # shellcheck disable=SC2086
  if ! "$build/tests/fuzz/${t}_fuzzer" "$work" "$here/corpus/$t" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" ${FUZZ_ARGS:-}; then
    echo "!!! $t: failure, see $artifacts/" >&2
    status=1
  fi
done
exit $status
