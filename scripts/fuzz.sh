#!/usr/bin/env bash
# scripts/fuzz.sh: build the libFuzzer targets with clang and run each for a
# while, one after the other (docs/security.md, "Fuzzing").
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS  how long each target runs (default 600)
#   TARGET   json (tests/codec), schema, template, item, error, s3xml,
#            config (tests/fuzz); default: all of them
#
# Each target starts from a copy of its seed corpus (tests/fuzz/corpus/<t>,
# tests/codec/corpus for json) in a working directory under the build
# directory, so the repository is not touched, and runs with
# -max_total_time=SECONDS (libFuzzer, ASan and UBSan: the targets add
# -fsanitize=fuzzer,address,undefined themselves, so the build itself has
# -Db_sanitize=none). A line per target gives executions, executions per
# second, coverage (cov: edges, ft: features), the working corpus size and
# the crashes found; their reproducers stay in the working directory
# (artifacts/). The exit status is non-zero when a target crashed.
#
# Environment:
#   DDB_FUZZ_BUILD_DIR  the clang build directory (default build-fuzz)
#   DDB_FUZZ_SAVE=1     after a run, minimise the working corpus
#                       (-merge=1) and copy the new inputs it kept back
#                       to the seed corpus: at most DDB_FUZZ_SAVE_MAX
#                       (default 10) per target, the smallest first, none
#                       over DDB_FUZZ_SAVE_SIZE bytes (default 512), and
#                       never beyond 200 files in a seed directory
#   DDB_FUZZ_ARGS       more libFuzzer options (e.g. -max_len=8192)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

ALL=(json schema template item error s3xml config)
SECONDS_EACH=600
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then
  SECONDS_EACH=$1
  shift
fi
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")
for t in "${TARGETS[@]}"; do
  case " ${ALL[*]} " in
    *" $t "*) ;;
    *) printf 'unknown target: %s\n\n' "$t" >&2; usage >&2; exit 2 ;;
  esac
done

BUILD="${DDB_FUZZ_BUILD_DIR:-build-fuzz}"
SAVE="${DDB_FUZZ_SAVE:-0}"
SAVE_MAX="${DDB_FUZZ_SAVE_MAX:-10}"
SAVE_SIZE="${DDB_FUZZ_SAVE_SIZE:-512}"
read -r -a EXTRA <<<"${DDB_FUZZ_ARGS:-}"

command -v clang >/dev/null || { echo "fuzz.sh: clang is required" >&2; exit 1; }

exe_of() { [ "$1" = json ] && echo "tests/codec/fuzz_json" || echo "tests/fuzz/fuzz_$1"; }
seeds_of() { [ "$1" = json ] && echo "$ROOT/tests/codec/corpus" || echo "$ROOT/tests/fuzz/corpus/$1"; }

# ---------------------------------------------------------------- build
if [ -f "$BUILD/meson-private/coredata.dat" ]; then
  CC=clang meson setup --reconfigure "$BUILD" -Db_sanitize=none >/dev/null
else
  CC=clang meson setup "$BUILD" -Db_sanitize=none -Dbuildtype=debugoptimized >/dev/null
fi
EXES=()
for t in "${TARGETS[@]}"; do EXES+=("$(exe_of "$t")"); done
if ! ninja -C "$BUILD" "${EXES[@]}" >"$BUILD/fuzz-build.log" 2>&1; then
  tail -30 "$BUILD/fuzz-build.log" >&2
  echo "fuzz.sh: the build failed (is libFuzzer installed? see $BUILD/fuzz-build.log)" >&2
  exit 1
fi

# ---------------------------------------------------------------- run
# Prints the value of libFuzzer's final "stat::NAME:" line of LOG.
stat_of() { sed -n "s/^stat::$2: *//p" "$1" | tail -1; }
# Prints "cov ft" of the last status line of LOG.
cov_of() {
  grep -E '^#[0-9]+' "$1" | tail -1 |
    awk '{ c = "?"; f = "?"; for (i = 1; i < NF; i++) { if ($i == "cov:") c = $(i + 1); if ($i == "ft:") f = $(i + 1) } print c, f }'
}

# Copies up to SAVE_MAX new small inputs of the minimised corpus of $1 back.
save_new() {
  local t=$1 dir=$2 seeds
  seeds="$(seeds_of "$t")"
  rm -rf "$dir/merged"
  mkdir -p "$dir/merged"
  (cd "$dir" && ASAN_OPTIONS=detect_leaks=0 "$ROOT/$BUILD/$(exe_of "$t")" -merge=1 merged "$seeds" corpus \
    >merge.log 2>&1) || { echo "  ($t: merge failed, see $dir/merge.log)"; return 0; }
  local have room added=0 f sum
  have=$(find "$seeds" -maxdepth 1 -type f | wc -l)
  room=$((200 - have))
  [ "$room" -lt "$SAVE_MAX" ] || room=$SAVE_MAX
  while read -r _ f; do
    [ "$added" -lt "$room" ] || break
    sum=$(sha1sum "$f" | cut -c1-40)
    # merged holds the seeds too: keep only what no seed already is
    if ! sha1sum "$seeds"/* 2>/dev/null | cut -c1-40 | grep -qx "$sum"; then
      cp "$f" "$seeds/fuzz-$sum"
      added=$((added + 1))
    fi
  done < <(find "$dir/merged" -type f -size -"$((SAVE_SIZE + 1))"c -printf '%s %p\n' | sort -n)
  echo "  ($t: merged corpus $(find "$dir/merged" -type f | wc -l) inputs; $added new saved to $seeds)"
}

CRASHED=0
SUMMARY=()
for t in "${TARGETS[@]}"; do
  dir="$ROOT/$BUILD/fuzz-work/$t"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/tmp"
  cp "$(seeds_of "$t")"/* "$dir/corpus/"
  seeds=$(find "$dir/corpus" -type f | wc -l)
  echo "==> fuzz_$t: ${SECONDS_EACH}s from $seeds seeds (log: $dir/fuzz.log)"
  rc=0
  (cd "$dir" && TMPDIR="$dir/tmp" \
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    "$ROOT/$BUILD/$(exe_of "$t")" -max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "${EXTRA[@]}" corpus >fuzz.log 2>&1) || rc=$?
  # crash-, leak-, timeout-, oom- reproducers (slow-unit- ones are only slow)
  crashes=$(find "$dir/artifacts" -type f ! -name 'slow-unit-*' | wc -l)
  execs=$(stat_of "$dir/fuzz.log" number_of_executed_units)
  rate=$(stat_of "$dir/fuzz.log" average_exec_per_sec)
  read -r cov ft < <(cov_of "$dir/fuzz.log")
  corpus=$(find "$dir/corpus" -type f | wc -l)
  line=$(printf '%-9s %5ss  execs %-10s exec/s %-6s cov %-6s ft %-7s corpus %-6s crashes %s' \
    "$t" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$crashes")
  echo "$line"
  SUMMARY+=("$line")
  if [ "$crashes" -gt 0 ] || [ "$rc" -ne 0 ]; then
    CRASHED=1
    find "$dir/artifacts" -type f ! -name 'slow-unit-*' -printf '    reproducer: %p\n'
    [ "$rc" -eq 0 ] || echo "    fuzz_$t exited with status $rc (see $dir/fuzz.log)"
  fi
  if [ "$SAVE" = 1 ] && [ "$crashes" -eq 0 ]; then
    save_new "$t" "$dir"
  fi
done

echo
echo "================================ fuzz summary ================================"
for line in "${SUMMARY[@]}"; do echo "$line"; done
exit "$CRASHED"
