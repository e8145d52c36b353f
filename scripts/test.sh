#!/usr/bin/env bash
# scripts/test.sh: install what is missing, build, start the DynamoDB engine
# (DDB_ENGINE: moto by default; see docs/engines.md) on free loopback ports,
# and run every test suite:
#   1. gcc build (build-test): the whole suite
#   2. clang + AddressSanitizer + UndefinedBehaviorSanitizer (build-asan):
#      the whole suite
#   3. valgrind memcheck over the unit and integration suites (build-test)
# Results of all runs are counted from meson's JSON test logs; the last line
# printed is always "N passed, N failed". Any failure or skipped test makes
# the exit status non-zero.
#
# Usage: scripts/test.sh [--quick] [--suite NAME]...
#        scripts/test.sh --engines
#   --quick        only run 1 (the gcc build); no sanitizer or valgrind run
#   --suite NAME   only run suite NAME (repeatable) in every run, valgrind
#                  included
#   --engines      instead: the integration suite (gcc build) on every
#                  engine that can run here (moto, dynalite; DynamoDB Local
#                  with DDB_ACCEPT_DYNAMODB_LOCAL_LICENSE=1), and a matrix
#                  engine x test: passed / failed / deviation
# Engines: DDB_ENGINE=moto (default), dynalite, dynamodb-local (needs
# DDB_ACCEPT_DYNAMODB_LOCAL_LICENSE=1), dynamodb (DynamoDB itself:
# DDB_TEST_ENDPOINT and your credentials). See docs/testing.md for the
# environment variables.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

QUICK=0
ENGINES=0
SUITES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --engines) ENGINES=1 ;;
    --suite) [ $# -ge 2 ] || { usage >&2; exit 2; }; SUITES+=("$2"); shift ;;
    --suite=*) SUITES+=("${1#--suite=}") ;;
    -h | --help) usage; exit 0 ;;
    *) printf 'unknown argument: %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

cd "$DDB_ROOT"

BUILD_GCC="${DDB_BUILD_DIR:-build-test}"
BUILD_ASAN="${DDB_ASAN_BUILD_DIR:-build-asan}"
VALGRIND_SUITES=("${SUITES[@]}")
if [ "${#VALGRIND_SUITES[@]}" -eq 0 ]; then
  read -r -a VALGRIND_SUITES <<<"${DDB_VALGRIND_SUITES:-unit integration}"
fi
ASAN_TIMEOUT_MULTIPLIER="${DDB_ASAN_TIMEOUT_MULTIPLIER:-3}"
VALGRIND_TIMEOUT_MULTIPLIER="${DDB_VALGRIND_TIMEOUT_MULTIPLIER:-10}"

# ------------------------------------------------------------ bookkeeping
TOTAL_PASS=0
TOTAL_FAIL=0
TOTAL_SKIP=0
RUN_SUMMARIES=()   # one line per run
PROBLEMS=()        # failed / skipped tests and failed steps
T_START=$SECONDS

problem() {  # problem COUNTS-AS-FAILURE(0|1) TEXT
  [ "$1" = 1 ] && TOTAL_FAIL=$((TOTAL_FAIL + 1))
  PROBLEMS+=("$2")
}

# shellcheck disable=SC2317  # called from lib.sh's EXIT trap
ddb_on_exit_hook() {
  local rc=$1
  if [ -n "${DDB_INTERRUPTED:-}" ]; then
    problem 1 "interrupted by SIG$DDB_INTERRUPTED"
  elif [ "$rc" -ne 0 ] && [ "$TOTAL_FAIL" -eq 0 ]; then
    problem 1 "test.sh stopped early with exit status $rc (see the messages above)"
  fi
  echo
  echo "================================ summary ================================"
  local line
  for line in "${RUN_SUMMARIES[@]}"; do echo "$line"; done
  if [ "${#PROBLEMS[@]}" -gt 0 ]; then
    echo "problems:"
    for line in "${PROBLEMS[@]}"; do echo "  $line"; done
  fi
  if [ $((TOTAL_PASS + TOTAL_FAIL + TOTAL_SKIP)) -eq 0 ]; then
    echo "note: no test was run"
  fi
  echo "total time: $((SECONDS - T_START)) s"
  echo "skipped: $TOTAL_SKIP"
  echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
  if [ "$rc" -eq 0 ] && { [ "$TOTAL_FAIL" -gt 0 ] || [ "$TOTAL_SKIP" -gt 0 ]; }; then
    rc=1
  fi
  return "$rc"
}

ddb_install_traps

# ------------------------------------------------------------ helpers

# Prints "PASSED FAILED SKIPPED" then one "RESULT name" line per test that
# did not pass, read from a meson testlog JSON file (one object a line).
count_testlog() {
  "$PYTHON" - "$1" <<'EOF'
import json, sys
passed = failed = skipped = 0
bad = []
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        try:
            t = json.loads(line)
        except ValueError:
            failed += 1
            bad.append("BADLOG " + line[:80])
            continue
        r = str(t.get("result", "?"))
        name = t.get("name", "?")
        suites = t.get("suite") or []
        if isinstance(suites, list) and suites:
            name = "%s [%s]" % (name, ",".join(suites))
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
            bad.append("SKIP " + name)
        else:  # FAIL TIMEOUT ERROR UNEXPECTEDPASS INTERRUPT and anything new
            failed += 1
            bad.append(r + " " + name)
print(passed, failed, skipped)
for b in bad:
    print(b)
EOF
}

# configure_build DIR COMPILER [MESON-SETUP-OPTIONS...]: sets DIR up (or
# reconfigures it) and builds it. Returns non-zero and records a failure
# when either step fails.
configure_build() {
  local dir=$1 compiler=$2
  shift 2
  local rc=0
  ddb_say "Configuring $dir (CC=$compiler $*)"
  if [ -f "$dir/meson-private/coredata.dat" ]; then
    CC=$compiler ddb_run meson setup --reconfigure "$dir" "$@" || rc=$?
    if [ "$rc" -ne 0 ]; then
      ddb_warn "reconfiguring $dir failed; wiping it and setting it up again"
      rc=0
      CC=$compiler ddb_run meson setup --wipe "$dir" "$@" || rc=$?
    fi
  else
    case "$dir" in
      "" | / | . | .. | "$DDB_ROOT" | "$DDB_ROOT/") ddb_die "refusing to use build dir '$dir'" ;;
    esac
    rm -rf "$dir"   # a half-made build dir (no coredata) would confuse meson
    CC=$compiler ddb_run meson setup "$dir" "$@" || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    problem 1 "BUILD $dir: meson setup failed (exit $rc; log: $dir/meson-logs/meson-log.txt)"
    return 1
  fi
  ddb_say "Building $dir"
  mkdir -p "$dir/meson-logs"
  local log="$dir/meson-logs/ddbc-compile.log"
  # shellcheck disable=SC2016  # expanded by the inner bash
  ddb_run bash -c 'meson compile -C "$1" 2>&1 | tee "$2"; exit "${PIPESTATUS[0]}"' _ "$dir" "$log" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "---------------- build errors ($dir) ----------------"
    if grep -q -E -i 'error|FAILED:' "$log"; then
      grep -E -i -A3 'error|FAILED:' "$log" | head -n 60 || true
    else
      tail -n 40 "$log" || true
    fi
    echo "------------------------------------------------------"
    problem 1 "BUILD $dir: meson compile failed (exit $rc; log: $log)"
    return 1
  fi
  return 0
}

# start_servers LABEL ENGINE: the engine (and moto for S3/STS).
start_servers() {
  if ! start_engine "$2"; then
    problem 1 "SERVER $1: engine $2 did not start (logs in $DDB_SERVERS_DIR)"
    return 1
  fi
}

# Prints the meson test options an engine needs: one test program at a time
# when the engine cannot keep test processes apart.
engine_test_args() {
  case "$(ddb_engine_isolation "$1")" in
    shared | environment) printf '%s\n' --num-processes 1 ;;
  esac
}

# run_tests LABEL DIR LOGBASE ENGINE [MESON-TEST-OPTIONS...]: starts a fresh
# engine, runs meson test, stops the servers, counts the results.
run_tests() {
  local label=$1 dir=$2 logbase=$3 engine=$4
  shift 4
  local t0=$SECONDS rc=0 json
  local engine_args=()
  mapfile -t engine_args < <(engine_test_args "$engine")
  # meson names the log LOGBASE.json, or LOGBASE-WRAPPER.json with --wrapper
  rm -f "$dir/meson-logs/$logbase.json" "$dir/meson-logs/$logbase"-*.json
  DDB_LOG_PREFIX="test-$label"
  if ! start_servers "$label" "$engine"; then
    stop_servers
    RUN_SUMMARIES+=("$(printf '%-14s %-14s not run: servers did not start' "$label" "($dir)")")
    return 0
  fi
  ddb_say "Running tests: $label ($dir, engine $engine)"
  ddb_run meson test -C "$dir" --no-rebuild --print-errorlogs --logbase "$logbase" \
    "${engine_args[@]}" "$@" || rc=$?
  stop_servers

  local p=0 f=0 s=0 out counts bad
  json="$dir/meson-logs/$logbase.json"
  local cand
  for cand in "$dir/meson-logs/$logbase"-*.json; do
    [ -f "$cand" ] && json=$cand
  done
  if [ -f "$json" ]; then
    out=$(count_testlog "$json") || { problem 1 "$label: cannot read $json"; return 0; }
    counts=$(head -n 1 <<<"$out")
    read -r p f s <<<"$counts"
    while IFS= read -r bad; do
      [ -n "$bad" ] || continue
      PROBLEMS+=("$label: $bad")
    done < <(tail -n +2 <<<"$out")
  fi
  TOTAL_PASS=$((TOTAL_PASS + p))
  TOTAL_FAIL=$((TOTAL_FAIL + f))
  TOTAL_SKIP=$((TOTAL_SKIP + s))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    problem 1 "$label: meson test exited $rc but no failing test is recorded in $json"
  fi
  local note=""
  if [ ! -f "$json" ] && [ "$rc" -eq 0 ]; then
    note=" (no test matched)"
    ddb_warn "$label: no test matched (meson test $*)"
  fi
  RUN_SUMMARIES+=("$(printf '%-14s %-14s %d passed, %d failed, %d skipped in %ds%s' \
    "$label" "($dir)" "$p" "$f" "$s" $((SECONDS - t0)) "$note")")
}

# ------------------------------------------------------------ --engines

# Prints one "TEST<TAB>RESULT<TAB>DEVIATION,..." line per test of a meson
# JSON test log; deviations are the "ddbt: engine deviation: ID" lines the
# test printed (tests/support/ddb_test.h).
matrix_testlog() {
  "$PYTHON" - "$1" <<'EOF'
import json, re, sys
dev = re.compile(r"ddbt: engine deviation: (\S+)")
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        t = json.loads(line)
        name = t.get("name", "?").split(" / ")[-1]
        ids = sorted(set(dev.findall((t.get("stdout") or "") + (t.get("stderr") or ""))))
        print("%s\t%s\t%s" % (name, t.get("result", "?"), ",".join(ids)))
EOF
}

# Sets ENGINE_WHY to why engine $1 cannot run here ("" when it can),
# installing what an open engine needs. An install that fails (ddb_die in a
# subshell) only marks the engine as not run.
engine_availability() {
  ENGINE_WHY=""
  case "$1" in
    moto) ;;  # ensure_python_moto ran already
    dynalite)
      (ensure_dynalite) ||
        ENGINE_WHY="not run: dynalite could not be installed (node >= 20 and npm needed)" ;;
    dynamodb-local)
      if [ "${DDB_ACCEPT_DYNAMODB_LOCAL_LICENSE:-}" != 1 ]; then
        ENGINE_WHY="not run: proprietary; DDB_ACCEPT_DYNAMODB_LOCAL_LICENSE=1 accepts its licence"
      else
        (ensure_dynamodb_local) || ENGINE_WHY="not run: DynamoDB Local could not be installed"
      fi ;;
    *) ENGINE_WHY="not run: needs an endpoint and credentials of yours (DDB_ENGINE=$1)" ;;
  esac
}

# The integration suite on every engine that can run here; prints the matrix.
run_engine_matrix() {
  local engines=(moto dynalite dynamodb-local) engine json line test result devs
  local -A cell=() notes=() seen=()
  local tests=()
  if ! configure_build "$BUILD_GCC" gcc; then
    RUN_SUMMARIES+=("$(printf '%-14s %-14s not run: build failed' engines "($BUILD_GCC)")")
    return 0
  fi
  for engine in "${engines[@]}"; do
    engine_availability "$engine"
    if [ -n "$ENGINE_WHY" ]; then
      notes[$engine]=$ENGINE_WHY
      RUN_SUMMARIES+=("$(printf '%-14s %s' "$engine" "$ENGINE_WHY")")
      continue
    fi
    run_tests "$engine" "$BUILD_GCC" "engines-$engine" "$engine" --suite integration
    json="$BUILD_GCC/meson-logs/engines-$engine.json"
    [ -f "$json" ] || { notes[$engine]="no test log"; continue; }
    while IFS=$'\t' read -r test result devs; do
      if [ -z "${seen[$test]:-}" ]; then
        seen[$test]=1
        tests+=("$test")
      fi
      case "$result" in
        OK) if [ -n "$devs" ]; then
              cell[$engine/$test]="deviation ($(tr ',' '\n' <<<"$devs" | wc -l))"
              notes[$engine]="${notes[$engine]:+${notes[$engine]}, }$test: $devs"
            else
              cell[$engine/$test]="passed"
            fi ;;
        *) cell[$engine/$test]="failed ($result)" ;;
      esac
    done < <(matrix_testlog "$json")
  done

  MATRIX_LINES=()
  line=$(printf '%-18s' "test \\ engine")
  for engine in "${engines[@]}"; do line+=$(printf ' | %-15s' "$engine"); done
  MATRIX_LINES+=("$line")
  for test in "${tests[@]}"; do
    line=$(printf '%-18s' "$test")
    for engine in "${engines[@]}"; do line+=$(printf ' | %-15s' "${cell[$engine/$test]:--}"); done
    MATRIX_LINES+=("$line")
  done
  for engine in "${engines[@]}"; do
    if [ -n "${notes[$engine]:-}" ]; then
      MATRIX_LINES+=("$engine: ${notes[$engine]}")
    fi
  done
}

# ------------------------------------------------------------ set-up
ddb_say "ddbc tests in $DDB_ROOT (engine=$DDB_ENGINE, quick=$QUICK${SUITES[*]:+, suites: ${SUITES[*]}})"
ensure_packages
ensure_python_moto   # botocore for the python-driven tests; moto is the default engine
ddb_test_env

if [ "$ENGINES" = 1 ]; then
  [ "$QUICK" = 0 ] && [ "${#SUITES[@]}" -eq 0 ] || { usage >&2; exit 2; }
  MATRIX_LINES=()
  run_engine_matrix
  # shellcheck disable=SC2317  # called from lib.sh's EXIT trap
  matrix_summary() { printf '%s\n' "" "engine matrix (integration suite; deviation (N): passed, asserting N documented deviations):" "${MATRIX_LINES[@]}"; }
  RUN_SUMMARIES=("$(matrix_summary)" "" "${RUN_SUMMARIES[@]}")
  exit 0
fi

ensure_engine "$DDB_ENGINE"

SUITE_ARGS=()
for s in "${SUITES[@]}"; do SUITE_ARGS+=(--suite "$s"); done

# ------------------------------------------------------------ 1. gcc
GCC_BUILT=0
if configure_build "$BUILD_GCC" gcc; then
  GCC_BUILT=1
  run_tests gcc "$BUILD_GCC" testlog "$DDB_ENGINE" "${SUITE_ARGS[@]}"
else
  RUN_SUMMARIES+=("$(printf '%-14s %-14s not run: build failed' gcc "($BUILD_GCC)")")
fi

if [ "$QUICK" = 0 ]; then
  # ---------------------------------------------------------- 2. sanitizers
  if configure_build "$BUILD_ASAN" clang \
      -Db_sanitize=address,undefined -Db_lundef=false \
      "-Dc_args=-fno-omit-frame-pointer"; then
    ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:print_summary=1:disable_coredump=1" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
      run_tests asan+ubsan "$BUILD_ASAN" testlog "$DDB_ENGINE" "${SUITE_ARGS[@]}" \
        --timeout-multiplier "$ASAN_TIMEOUT_MULTIPLIER"
  else
    RUN_SUMMARIES+=("$(printf '%-14s %-14s not run: build failed' asan+ubsan "($BUILD_ASAN)")")
  fi

  # ---------------------------------------------------------- 3. valgrind
  if [ "$GCC_BUILT" = 1 ]; then
    WRAP="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --num-callers=30"
    if [ -f "$DDB_ROOT/scripts/valgrind.supp" ]; then
      WRAP="$WRAP --suppressions=$DDB_ROOT/scripts/valgrind.supp"
    fi
    VG_ARGS=()
    for s in "${VALGRIND_SUITES[@]}"; do VG_ARGS+=(--suite "$s"); done
    # Tests driven by python run their C programs through this wrapper, so
    # the C side is checked rather than the interpreter (tests/interop).
    export DDB_TEST_C_WRAPPER="$WRAP"
    run_tests valgrind "$BUILD_GCC" valgrind "$DDB_ENGINE" "${VG_ARGS[@]}" --wrapper "$WRAP" \
      --timeout-multiplier "$VALGRIND_TIMEOUT_MULTIPLIER"
    unset DDB_TEST_C_WRAPPER
  else
    RUN_SUMMARIES+=("$(printf '%-14s %-14s not run: build failed' valgrind "($BUILD_GCC)")")
  fi
fi

if [ "${#SUITES[@]}" -gt 0 ] && [ $((TOTAL_PASS + TOTAL_FAIL + TOTAL_SKIP)) -eq 0 ]; then
  problem 1 "no test matched --suite ${SUITES[*]}"
fi

# The EXIT trap prints the summary and sets the exit status.
exit 0
