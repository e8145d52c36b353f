#!/usr/bin/env python3
"""test_vendor.py - `ddbc --vendor` (docs/vendoring.md).

    test_vendor.py build DDBC    what ddbc writes and that it builds alone:
        the files (libddb.c, ddb/*.h equal to runtime/include/ddb, the
        generated note.h/.c) and the depfile; a second run leaves every
        byte as it was and no temporary file; a bad schema writes nothing
        (not into a fresh directory, not over the vendored one); --vendor
        without a schema writes the runtime alone. Then app.c + note.c +
        libddb.c are compiled with only -I DIR by gcc and clang (each
        found), -std=c11 -Wall -Wextra -Wpedantic -Werror at -O0 and -O2,
        linked with the system libraries, and `app offline` prints the
        version of this build and the item expected. The make and CMake
        recipes of docs/vendoring.md ("Build systems", taken from the doc
        with forum renamed note) build it too.
    test_vendor.py engine DDBC   the vendored program against the engine under
        test ($DDB_TEST_ENDPOINT; fails, never skips, without it): `app
        engine` makes its own table, writes, reads, queries and drops it.
        Under scripts/test.sh's valgrind run the program runs under
        $DDB_TEST_C_WRAPPER (valgrind), so the one-file build is checked
        for memory errors and leaks too.

The last line is "N checks, N failed".
"""
import filecmp
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))
from checks import Checks  # noqa: E402

SOURCE_ROOT = os.environ.get('DDB_SOURCE_ROOT') or os.path.abspath(os.path.join(HERE, '..', '..'))
DDBC = None  # the ddbc under test: argv[2]
LIBS = ['-lcurl', '-lssl', '-lcrypto', '-lz', '-lpthread']
STRICT = ['-std=c11', '-Wall', '-Wextra', '-Wpedantic', '-Werror']
# What `app offline` prints after the version line.
ITEM = '{"owner":{"S":"ada"},"id":{"N":"42"},"text":{"S":"h\u00e9llo \\"vendored\\""}}'

check = Checks()


def run(cmd, cwd=None, env=None):
    """Runs `cmd`; returns (rc, stdout, stderr) as text."""
    print('$ ' + ' '.join(cmd), flush=True)
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')
    if out and len(out) < 2000:
        print(out.rstrip('\n'), flush=True)
    if err:
        print(err.rstrip('\n'), file=sys.stderr, flush=True)
    return p.returncode, out, err


def schema(tmp):
    """note.yaml with a table of this process's own."""
    with open(os.path.join(HERE, 'note.yaml')) as f:
        text = f.read()
    path = os.path.join(tmp, 'note.yaml')
    with open(path, 'w') as f:
        f.write(text.replace('table: VendorNote', 'table: VendorNote_%d' % os.getpid()))
    return path


def snapshot(root):
    """{relative path: bytes} of every file under root."""
    files = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            with open(p, 'rb') as f:
                files[os.path.relpath(p, root)] = f.read()
    return files


def version():
    rc, out, _ = run([DDBC, '--version'])
    return out.split()[-1] if rc == 0 and out else None


def check_outputs(tmp, yaml, out):
    rc, _, _ = run([DDBC, '--vendor', out, '--depfile', os.path.join(tmp, 'out.d'), yaml])
    if not check(rc == 0, 'ddbc --vendor succeeds', rc):
        return False
    headers = sorted(n for n in os.listdir(os.path.join(SOURCE_ROOT, 'runtime', 'include', 'ddb'))
                     if n.endswith('.h'))
    want = sorted(['libddb.c', 'note.h', 'note.c', 'ddb/LICENSE'] +
                  ['ddb/' + h for h in headers + ['version.h']])
    got = snapshot(out)
    check(sorted(got) == want, 'the files written', sorted(set(got) ^ set(want)))
    for h in headers:
        check(filecmp.cmp(os.path.join(SOURCE_ROOT, 'runtime', 'include', 'ddb', h),
                          os.path.join(out, 'ddb', h), shallow=False), 'ddb/%s is the public header' % h)
    check(filecmp.cmp(os.path.join(SOURCE_ROOT, 'LICENSE'), os.path.join(out, 'ddb', 'LICENSE'),
                      shallow=False), 'ddb/LICENSE is the licence')
    check(('#define DDB_VERSION "%s"' % version()).encode() in got.get('ddb/version.h', b''),
          'ddb/version.h is rendered with the version of ddbc')
    lib = got.get('libddb.c', b'').decode('utf-8', 'replace')
    for src in sorted(os.listdir(os.path.join(SOURCE_ROOT, 'runtime', 'src'))):
        if src.endswith('.c'):
            check('/* ==== %s ==== */' % src in lib, 'libddb.c holds %s' % src)
    check(not re.search(r'#\s*include\s+"(?!ddb/)', lib), 'libddb.c includes no internal header')
    for h in sorted(os.listdir(os.path.join(SOURCE_ROOT, 'runtime', 'src'))):
        if h.endswith('.h'):
            n = lib.count('/* ---- %s (inlined) ---- */' % h)
            check(n == 1, 'libddb.c inlines %s once' % h, n)
    with open(os.path.join(tmp, 'out.d')) as f:
        dep = f.read()
    check(os.path.join(out, 'ddb', 'model.h') in dep and os.path.join(out, 'libddb.c') in dep and
          yaml in dep, 'the depfile names the vendored files and the schema', dep[:300])

    # Again: nothing changes, no temporary file is left.
    rc, _, _ = run([DDBC, '--vendor', out, yaml])
    check(rc == 0 and snapshot(out) == got, 'a second run leaves every file as it was')

    # A bad schema: an error with its position, nothing written anywhere.
    bad = os.path.join(tmp, 'bad.yaml')
    with open(bad, 'w') as f:
        f.write('version: 1\nprefix: notes\nmodels:\n  note:\n    table: T\n    keys: {hash: nope}\n')
    fresh = os.path.join(tmp, 'fresh')
    rc, _, err = run([DDBC, '--vendor', fresh, bad])
    check(rc == 1 and re.search(r'bad\.yaml:\d+:\d+: error: ', err), 'a bad schema is reported', err)
    check(not os.path.exists(fresh), 'a bad schema creates no directory')
    rc, _, _ = run([DDBC, '--vendor', out, yaml, bad])
    check(rc == 1 and snapshot(out) == got, 'a bad schema changes nothing already vendored')

    # A schema whose outputs would overwrite the runtime's: refused.
    clash = os.path.join(tmp, 'libddb.yaml')
    shutil.copy(yaml, clash)
    other = os.path.join(tmp, 'other')
    for gen in (out, other, './' + os.path.relpath(out)):
        rc, _, err = run([DDBC, '--vendor', out, '-o', gen, clash])
        check(rc == 1 and "output 'libddb.c' of a schema has the name of a file of the runtime" in err
              and snapshot(out) == got and not os.path.exists(other),
              'a schema named libddb.yaml is refused (-o %s) and changes nothing' % gen, err)

    # Generated code and runtime in two directories; -o is not made when nothing goes there.
    split, gen = os.path.join(tmp, 'split'), os.path.join(tmp, 'gen')
    rc, _, _ = run([DDBC, '--vendor', split, '-o', gen, '--depfile', os.path.join(tmp, 'split.d'), yaml])
    check(rc == 0 and sorted(snapshot(gen)) == ['note.c', 'note.h'] and
          sorted(snapshot(split)) == sorted(set(want) - {'note.h', 'note.c'}),
          '--vendor DIR with -o GEN splits runtime and generated code')
    with open(os.path.join(tmp, 'split.d')) as f:
        dep = f.read()
    check(os.path.join(gen, 'note.c') in dep and os.path.join(split, 'libddb.c') in dep,
          'the depfile names each file in its own directory', dep[:300])

    # The runtime alone.
    alone = os.path.join(tmp, 'alone')
    rc, _, _ = run([DDBC, '--vendor', alone, '-o', os.path.join(tmp, 'unused')])
    check(rc == 0 and sorted(snapshot(alone)) == sorted(set(want) - {'note.h', 'note.c'}) and
          not os.path.exists(os.path.join(tmp, 'unused')),
          '--vendor without a schema writes the runtime alone')
    return True


def compilers():
    return [c for c in ('gcc', 'clang') if shutil.which(c)]


def build(cc, out, exe, opt):
    """Builds app.c from the vendored directory alone; returns whether it linked."""
    cmd = [cc] + STRICT + [opt, '-I', out, '-o', exe, os.path.join(HERE, 'app.c'),
                           os.path.join(out, 'note.c'), os.path.join(out, 'libddb.c')] + LIBS
    rc, _, _ = run(cmd)
    return check(rc == 0, '%s %s builds the vendored program' % (cc, opt))


def doc_block(lang):
    """The ```lang block of docs/vendoring.md's "Build systems", forum -> note."""
    with open(os.path.join(SOURCE_ROOT, 'docs', 'vendoring.md')) as f:
        text = f.read()
    section = text[text.index('## Build systems'):]
    m = re.search(r'```%s\n(.*?)```' % lang, section, re.S)
    return m.group(1).replace('forum', 'note') if m else None


def project(tmp, name, out):
    """A project directory with app.c and the vendored tree as third_party/ddb."""
    proj = os.path.join(tmp, name)
    os.makedirs(os.path.join(proj, 'third_party'))
    shutil.copytree(out, os.path.join(proj, 'third_party', 'ddb'))
    shutil.copy(os.path.join(HERE, 'app.c'), proj)
    return proj


def check_app(exe, what):
    rc, text, _ = run([exe, 'offline'])
    check(rc == 0 and text.splitlines() == [version(), ITEM], what + ': app offline', text)


def test_doc_recipes(tmp, out):
    make = doc_block('make')
    if check(make is not None, 'docs/vendoring.md has a make recipe') and shutil.which('make'):
        proj = project(tmp, 'make', out)
        with open(os.path.join(proj, 'Makefile'), 'w') as f:
            f.write(make)
        rc, _, _ = run(['make', '-s'], cwd=proj)
        if check(rc == 0, 'the make recipe builds'):
            check_app(os.path.join(proj, 'app'), 'make recipe')
    cmake = doc_block('cmake')
    if check(cmake is not None, 'docs/vendoring.md has a CMake recipe') and shutil.which('cmake'):
        proj = project(tmp, 'cmake', out)
        with open(os.path.join(proj, 'CMakeLists.txt'), 'w') as f:
            f.write('cmake_minimum_required(VERSION 3.16)\nproject(vendored C)\n'
                    'add_executable(app app.c)\n' + cmake)
        b = os.path.join(proj, 'build')
        rc, _, _ = run(['cmake', '-S', proj, '-B', b])
        if check(rc == 0, 'the CMake recipe configures'):
            rc, _, _ = run(['cmake', '--build', b])
            if check(rc == 0, 'the CMake recipe builds'):
                check_app(os.path.join(b, 'app'), 'CMake recipe')


def test_build(tmp):
    out = os.path.join(tmp, 'out')
    if not check_outputs(tmp, schema(tmp), out):
        return
    ccs = compilers()
    check('gcc' in ccs, 'gcc is installed')
    for cc in ccs:
        for opt in ('-O0', '-O2'):
            exe = os.path.join(tmp, 'app-%s%s' % (cc, opt))
            if not build(cc, out, exe, opt):
                continue
            check_app(exe, '%s %s' % (cc, opt))
    test_doc_recipes(tmp, out)


def test_engine(tmp):
    endpoint = os.environ.get('DDB_TEST_ENDPOINT')
    if not check(bool(endpoint), 'DDB_TEST_ENDPOINT is set (scripts/test.sh sets it; failing, not skipping)'):
        return
    out = os.path.join(tmp, 'out')
    rc, _, _ = run([DDBC, '--vendor', out, schema(tmp)])
    if not check(rc == 0, 'ddbc --vendor succeeds') or not build(compilers()[0], out,
                                                               os.path.join(tmp, 'app'), '-O2'):
        return
    env = dict(os.environ, AWS_ENDPOINT_URL_DYNAMODB=endpoint)
    wrapper = shlex.split(os.environ.get('DDB_TEST_C_WRAPPER', ''))
    rc, text, _ = run(wrapper + [os.path.join(tmp, 'app'), 'engine'], env=env)
    m = re.search(r'(\d+) checks passed', text)
    check(rc == 0 and m is not None and int(m.group(1)) >= 10, 'app engine: the round trip', text)


def main():
    global DDBC
    if len(sys.argv) != 3 or sys.argv[1] not in ('build', 'engine'):
        print('usage: test_vendor.py build|engine PATH/TO/ddbc', file=sys.stderr)
        return 2
    # The build checks use the system's compilers, not the build's: under
    # scripts/test.sh's valgrind run (DDB_TEST_C_WRAPPER) they are skipped
    # (that run has no `build` suite anyway); `engine` runs its program
    # under the wrapper.
    if os.environ.get('DDB_TEST_C_WRAPPER') and sys.argv[1] == 'build':
        print('skipped: the vendoring build checks are not run under a wrapper')
        return 77
    DDBC = os.path.abspath(sys.argv[2])
    tmp = tempfile.mkdtemp(prefix='ddbc-vendor-')
    try:
        (test_build if sys.argv[1] == 'build' else test_engine)(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return check.summary()


if __name__ == '__main__':
    sys.exit(main())
