#!/usr/bin/env python3
"""(b) ddbc as a meson subproject: subprojects/ddbc (here a symbolic link to
this source tree) with subprojects/ddbc.wrap providing libddb, ddb and ddbc;
dependency('libddb') resolves to the subproject's override_dependency and
find_program('ddbc') to its override_find_program. The subproject's tests,
benchmarks, examples and command line are not configured
(docs/build-systems.md, "meson, subproject")."""
import json
import os
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import subprocess
import time
import recipes as r

WRAP = """\
[wrap-git]
url = https://github.com/OWNER/ddbc.git
revision = v0.1.0
depth = 1

[provide]
dependency_names = libddb, ddb
program_names = ddbc
"""


def main():
    top, proj = r.fresh_dir('meson-subproject')
    with open(os.path.join(proj, 'meson.build'), 'w') as f:
        f.write(r.MESON_BUILD)
    os.makedirs(os.path.join(proj, 'subprojects'))
    with open(os.path.join(proj, 'subprojects', 'ddbc.wrap'), 'w') as f:
        f.write(WRAP)
    os.symlink(r.SOURCE_ROOT, os.path.join(proj, 'subprojects', 'ddbc'))
    # no installed ddbc may answer instead of the subproject
    env = r.clean_env(PKG_CONFIG_PATH='/nonexistent')
    build = os.path.join(top, 'build')
    start = time.monotonic()
    _, out = r.run(['meson', 'setup', build, proj, '--wrap-mode=nodownload',
                    '--force-fallback-for=libddb,ddb'], env=env)
    if not any(line.startswith('Dependency libddb') and 'YES' in line and
               ('overridden' in line or 'from subproject' in line) for line in out.splitlines()):
        r.fail('dependency(\'libddb\') was not resolved by the subproject')
    if "Program ddbc found: YES (overridden)" not in out:
        r.fail('find_program(\'ddbc\') did not find the subproject\'s ddbc')
    setup_s = time.monotonic() - start
    r.run(['ninja', '-C', build], env=env)
    r.say(f'subproject configure + build: {time.monotonic() - start:.1f}s (configure {setup_s:.1f}s)')
    r.check_app_output(os.path.join(build, 'app'), env=r.clean_env())

    # meson test --list exits 1 with "No tests defined." when there are none
    _, out = r.run(['meson', 'test', '-C', build, '--list'], env=env, check=False)
    tests = [line for line in out.splitlines() if ' / ' in line or line.startswith('ddbc')]
    if tests or 'No tests defined.' not in out:
        r.fail(f'the subproject configured tests: {tests[:5]}')
    targets = json.loads(subprocess.check_output(['meson', 'introspect', '--targets', build], text=True))
    names = sorted(t['name'] + ('' if t['type'] == 'executable' else ' (' + t['type'] + ')')
                   for t in targets)
    extra = [n for n in names if n in ('ddb', 'forum_demo', 'pynamodb_bench', 'e2e_bench', 'test_write')]
    if extra:
        r.fail(f'the subproject configured its own programs: {extra}')
    r.say('no tests, benchmarks, examples or ddb command line of the subproject: ' + ', '.join(names))
    r.finish(top)


if __name__ == '__main__':
    main()
