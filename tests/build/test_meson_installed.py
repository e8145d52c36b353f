#!/usr/bin/env python3
"""(a) An outside meson project against an installed ddbc: dependency('libddb')
through pkg-config (PKG_CONFIG_PATH), find_program('ddbc') on PATH, the model
generated with --depfile (docs/build-systems.md, "meson, installed")."""
import os
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import recipes as r


def main():
    prefix = r.installed_prefix()
    lib = r.libdir(prefix)
    top, proj = r.fresh_dir('meson-installed')
    with open(os.path.join(proj, 'meson.build'), 'w') as f:
        f.write(r.MESON_BUILD)
    env = r.clean_env(PKG_CONFIG_PATH=os.path.join(lib, 'pkgconfig'),
                      PATH=os.path.join(prefix, 'bin') + os.pathsep + os.environ['PATH'])
    build = os.path.join(top, 'build')
    _, out = r.run(['meson', 'setup', build, proj], env=env)
    if 'Run-time dependency libddb found: YES 0.1.0' not in out:
        r.fail('libddb was not found through pkg-config')
    if os.path.join(prefix, 'bin', 'ddbc') not in out:
        r.fail('find_program did not find the installed ddbc')
    r.run(['ninja', '-C', build], env=env)
    run_env = r.clean_env(LD_LIBRARY_PATH=lib)
    r.check_app_output(os.path.join(build, 'app'), env=run_env)
    # a schema change regenerates; then nothing is left to do
    r.touch_later(os.path.join(proj, 'note.yaml'), os.path.join(build, 'note.c'))
    _, out = r.run(['ninja', '-C', build], env=env)
    if 'Generating note_gen' not in out:
        r.fail('touching the schema did not run ddbc')
    _, out = r.run(['ninja', '-C', build], env=env)
    if 'ninja: no work to do.' not in out:
        r.fail('a build right after a build had work to do')
    r.finish(top)


if __name__ == '__main__':
    main()
