#!/usr/bin/env python3
"""(c) An outside CMake project against an installed ddbc:
find_package(ddbc CONFIG REQUIRED) through CMAKE_PREFIX_PATH, ddbc_generate(),
with the Ninja and the Unix Makefiles generators; a touched schema is
regenerated once, and a build after a build does nothing
(docs/build-systems.md, "CMake")."""
import os
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import recipes as r

CMAKELISTS = """\
cmake_minimum_required(VERSION 3.20)
project(notes_app C)
find_package(ddbc 0.1 CONFIG REQUIRED)
ddbc_generate(NOTE_SOURCES note.yaml)
add_executable(app app.c ${NOTE_SOURCES})
target_include_directories(app PRIVATE ${CMAKE_CURRENT_BINARY_DIR})
target_link_libraries(app PRIVATE ddbc::ddb)
set_target_properties(app PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON)
"""


def build(build_dir, env):
    return r.run(['cmake', '--build', build_dir], env=env)[1]


def check_generator(top, proj, prefix, generator):
    say = r.say
    build_dir = os.path.join(top, 'build-' + generator.split()[0].lower())
    env = r.clean_env(CMAKE_PREFIX_PATH=prefix)
    r.run(['cmake', '-S', proj, '-B', build_dir, '-G', generator], env=env)
    out = build(build_dir, env)
    if 'ddbc: generating note.h, note.c' not in out:
        r.fail(f'{generator}: ddbc did not run')
    # the imported shared library's directory is in the build RPATH
    r.check_app_output(os.path.join(build_dir, 'app'), env=r.clean_env())
    out = build(build_dir, env)
    if 'ddbc: generating' in out or 'Building C object' in out or 'Linking' in out:
        r.fail(f'{generator}: a build right after a build did something')
    r.touch_later(os.path.join(proj, 'note.yaml'), os.path.join(build_dir, 'note.c'))
    out = build(build_dir, env)
    if out.count('ddbc: generating') != 1:
        r.fail(f'{generator}: touching the schema did not run ddbc once')
    out = build(build_dir, env)
    if 'ddbc: generating' in out or 'Building C object' in out or 'Linking' in out:
        r.fail(f'{generator}: after the regeneration, the next build did something')
    if generator == 'Ninja':
        _, out = r.run(['ninja', '-C', build_dir, '-n'], env=env)
        if 'ninja: no work to do.' not in out:
            r.fail('ninja -n: work left after a build')
    else:
        # the app target's own makefile: `make -q` is 0 when the program and
        # the generated files are up to date (the top Makefile's targets
        # are phony, so make -q there is never 0)
        rc, _ = r.run(['make', '-q', '-f', 'CMakeFiles/app.dir/build.make', 'app'],
                      cwd=build_dir, env=env, check=False)
        if rc != 0:
            r.fail(f'make -q on the app target returned {rc} after a build')
    say(f'{generator}: ok')


def main():
    prefix = r.installed_prefix()
    top, proj = r.fresh_dir('cmake')
    with open(os.path.join(proj, 'CMakeLists.txt'), 'w') as f:
        f.write(CMAKELISTS)
    for generator in ('Ninja', 'Unix Makefiles'):
        check_generator(top, proj, prefix, generator)
    r.finish(top)


if __name__ == '__main__':
    main()
