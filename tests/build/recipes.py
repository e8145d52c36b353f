"""recipes.py - what the build-system recipe tests (tests/build) share.

Each test builds a tiny outside project (app/note.yaml, app/app.c) in a
fresh temporary directory, the way docs/build-systems.md shows. The
installed ddbc those of meson, CMake and make use is built once: a
separate configure of this source tree (-Dtests=false, --prefix in the
build directory) under $DDB_BUILD_ROOT/tests/build/fixture, built and
installed under a lock by the first test that needs it; the others find
it done (ninja has no work) and only read it.
"""
import fcntl
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

# These tests check build systems, not memory: under scripts/test.sh's
# valgrind run (which sets DDB_TEST_C_WRAPPER) they are skipped.
if os.environ.get('DDB_TEST_C_WRAPPER'):
    print('skipped: build-system recipes are not run under a wrapper')
    sys.exit(77)

SOURCE_ROOT = os.environ.get('DDB_SOURCE_ROOT') or os.path.abspath(
    os.path.join(os.path.dirname(__file__), '..', '..'))
BUILD_ROOT = os.environ.get('DDB_BUILD_ROOT') or os.path.join(SOURCE_ROOT, 'build')
APP_DIR = os.path.join(SOURCE_ROOT, 'tests', 'build', 'app')
FIXTURE = os.path.join(BUILD_ROOT, 'tests', 'build', 'fixture')
PREFIX = os.path.join(FIXTURE, 'prefix')

# The outside project's meson.build: the same whether ddbc is installed
# (test_meson_installed) or a subproject (test_meson_subproject), which is
# what docs/build-systems.md promises.
MESON_BUILD = """\
project('notes_app', 'c', default_options : ['c_std=c11', 'warning_level=3', 'werror=true'])
ddb_dep = dependency('libddb')
ddbc = find_program('ddbc')
note_gen = custom_target('note_gen', input : 'note.yaml', output : ['note.h', 'note.c'],
  depfile : 'note.d',
  command : [ddbc, '-o', '@OUTDIR@', '--depfile', '@DEPFILE@', '@INPUT@'])
executable('app', 'app.c', note_gen, dependencies : ddb_dep)
"""

# What app.c prints: the item of its note.
EXPECTED = '{"owner":{"S":"ada"},"id":{"N":"42"},"text":{"S":"hello"}}'


def say(msg):
    print('==> ' + msg, flush=True)


def fail(msg):
    print('FAIL: ' + msg, flush=True)
    sys.exit(1)


def run(cmd, cwd=None, env=None, check=True):
    """Runs `cmd`, echoing it and its output; returns (rc, output)."""
    print('$ ' + ' '.join(cmd) + (f'   (in {cwd})' if cwd else ''), flush=True)
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    out = proc.stdout
    if out:
        print(out.rstrip('\n'), flush=True)
    if check and proc.returncode != 0:
        fail(f'{cmd[0]} exited with {proc.returncode}')
    return proc.returncode, out


def clean_env(**extra):
    """The environment without a DESTDIR or a pkg-config/CMake path of the caller's."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('DESTDIR', 'PKG_CONFIG_PATH', 'CMAKE_PREFIX_PATH', 'MAKEFLAGS', 'MFLAGS')}
    env.update(extra)
    return env


def _installed_targets(build):
    targets = json.loads(subprocess.check_output(
        ['meson', 'introspect', '--targets', build], text=True))
    return [os.path.relpath(f, build) for t in targets if t.get('installed')
            for f in t['filename']]


def installed_prefix():
    """Builds and installs the fixture if needed; returns the prefix."""
    build = os.path.join(FIXTURE, 'build')
    os.makedirs(FIXTURE, exist_ok=True)
    with open(os.path.join(FIXTURE, 'lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        start = time.monotonic()
        stamp = os.path.join(FIXTURE, 'installed.stamp')
        if not os.path.exists(os.path.join(build, 'build.ninja')):
            shutil.rmtree(build, ignore_errors=True)
            run(['meson', 'setup', build, SOURCE_ROOT, '-Dtests=false',
                 '--buildtype=debug', '--prefix=' + PREFIX], env=clean_env())
        # only what `meson install` installs (not the examples or benchmarks)
        _, out = run(['ninja', '-C', build] + _installed_targets(build), env=clean_env())
        if 'ninja: no work to do.' not in out or not os.path.exists(stamp):
            if os.path.exists(stamp):
                os.unlink(stamp)
            shutil.rmtree(PREFIX, ignore_errors=True)
            run(['meson', 'install', '--no-rebuild', '-C', build], env=clean_env())
            open(stamp, 'w').close()
        say(f'installed ddbc in {PREFIX} ({time.monotonic() - start:.1f}s)')
    return PREFIX


def libdir(prefix):
    """The directory of the installed libddb.so (lib/ or lib/<multiarch>/)."""
    found = glob.glob(os.path.join(prefix, 'lib*', '**', 'libddb.so'), recursive=True)
    if not found:
        fail(f'no libddb.so under {prefix}')
    return os.path.dirname(found[0])


def fresh_dir(name):
    """A new temporary directory holding a copy of the app (note.yaml, app.c)."""
    top = tempfile.mkdtemp(prefix=f'ddbc-{name}-')
    proj = os.path.join(top, 'proj')
    os.makedirs(proj)
    for f in ('note.yaml', 'app.c'):
        shutil.copy(os.path.join(APP_DIR, f), proj)
    return top, proj


def check_app_output(exe, env=None):
    _, out = run([exe], env=env)
    if out.strip() != EXPECTED:
        fail(f'{exe} printed {out.strip()!r}, expected {EXPECTED!r}')
    say(f'{os.path.basename(exe)} printed the expected item')


def touch_later(path, after):
    """Touches `path` so that its mtime is later than the file `after`'s."""
    t = max(time.time(), os.stat(after).st_mtime + 0.01)
    while time.time() < t:
        time.sleep(0.01)
    os.utime(path, None)


def finish(top):
    shutil.rmtree(top, ignore_errors=True)
    say('ok')
