#!/usr/bin/env bash
# scripts/demo.sh: build ddbc and its example program, start a local
# DynamoDB engine (DDB_ENGINE: moto by default, open source) on a free
# loopback port and run the example against it. The engine is stopped when
# the script ends, however it ends.
#
# Usage: scripts/demo.sh [ARGS...]    (ARGS are passed to the example)
#
# Environment: DDB_ENGINE (moto, dynalite, dynamodb-local with
# DDB_ACCEPT_DYNAMODB_LOCAL_LICENSE=1; docs/engines.md), DDB_DEMO_BUILD_DIR
# (default build-demo), DDB_DEMO_BIN (the example's path inside the build
# dir, default examples/forum_demo; also examples/docstore_demo and
# examples/tracker_worker), DDB_CACHE_DIR, PYTHON, JAVA, NODE; see
# docs/testing.md.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
  -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
esac

BUILD_DIR="${DDB_DEMO_BUILD_DIR:-build-demo}"
DEMO_BIN="${DDB_DEMO_BIN:-examples/forum_demo}"   # relative to BUILD_DIR
DDB_LOG_PREFIX=demo

ddb_install_traps
cd "$DDB_ROOT"

echo "ddbc demo: typed C for DynamoDB, run against a local DynamoDB engine ($DDB_ENGINE)"
echo
ddb_check_engine "$DDB_ENGINE" || exit 1
[ "$DDB_ENGINE" != dynamodb ] || ddb_die "the demo runs against a local engine: DDB_ENGINE=moto, dynalite or dynamodb-local"
ensure_packages
ensure_python_moto   # moto: the default engine, and S3/STS beside the others
ensure_engine "$DDB_ENGINE"

ddb_say "Building ddbc and the example in $BUILD_DIR"
if [ -f "$BUILD_DIR/meson-private/coredata.dat" ]; then
  ddb_run meson setup --reconfigure "$BUILD_DIR" -Dtests=false ||
    ddb_run meson setup --wipe "$BUILD_DIR" -Dtests=false ||
    ddb_die "meson setup failed (log: $BUILD_DIR/meson-logs/meson-log.txt)"
else
  case "$BUILD_DIR" in
    "" | / | . | .. | "$DDB_ROOT" | "$DDB_ROOT/") ddb_die "refusing to use build dir '$BUILD_DIR'" ;;
  esac
  rm -rf "$BUILD_DIR"   # a half-made build dir (no coredata) would confuse meson
  ddb_run meson setup "$BUILD_DIR" -Dtests=false ||
    ddb_die "meson setup failed (log: $BUILD_DIR/meson-logs/meson-log.txt)"
fi
ddb_run meson compile -C "$BUILD_DIR" || ddb_die "the build failed (see the errors above)"

BIN="$BUILD_DIR/$DEMO_BIN"
if [ ! -x "$BIN" ]; then
  ddb_die "$BIN was not built: examples/meson.build should build an executable '$(basename "$DEMO_BIN")' (or set DDB_DEMO_BIN)"
fi

echo
start_engine "$DDB_ENGINE" || ddb_die "the engine $DDB_ENGINE did not start"

ddb_test_env
export AWS_ENDPOINT_URL_DYNAMODB="$DDB_TEST_ENDPOINT"
export AWS_ENDPOINT_URL_S3="$DDB_TEST_S3_ENDPOINT"   # moto: examples/docstore_demo

echo
ddb_say "Running the example: $BIN $*"
echo "------------------------------------------------------------------------"
rc=0
"$BIN" "$@" || rc=$?
echo "------------------------------------------------------------------------"
if [ "$rc" -eq 0 ]; then
  ddb_say "The example finished successfully."
else
  ddb_err "the example exited with status $rc"
fi
exit "$rc"
