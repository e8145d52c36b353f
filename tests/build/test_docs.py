#!/usr/bin/env python3
"""docs/build-systems.md shows each recipe exactly as the tests use it: the
meson.build, the wrap file, the CMakeLists.txt of the tests and
examples/make/Makefile appear in it verbatim."""
import os
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import recipes as r
import test_cmake
import test_meson_subproject


def main():
    with open(os.path.join(r.SOURCE_ROOT, 'docs', 'build-systems.md')) as f:
        doc = f.read()
    with open(os.path.join(r.SOURCE_ROOT, 'examples', 'make', 'Makefile')) as f:
        makefile = f.read()
    snippets = {
        'meson.build (installed or subproject)': r.MESON_BUILD,
        'subprojects/ddbc.wrap': test_meson_subproject.WRAP,
        'CMakeLists.txt': test_cmake.CMAKELISTS,
        'examples/make/Makefile': makefile,
    }
    missing = [name for name, text in snippets.items() if text not in doc]
    if missing:
        r.fail('docs/build-systems.md does not show, verbatim: ' + ', '.join(missing))
    r.say('docs/build-systems.md shows every recipe as tested')


if __name__ == '__main__':
    main()
