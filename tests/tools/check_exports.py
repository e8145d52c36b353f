#!/usr/bin/env python3
"""Checks that libddb.so exports exactly its public API.

  check_exports.py LIBDDB_SO INCLUDE_DIR... -- HEADER...

The public API is every function the public HEADERs (ddb/ddb.h, ...)
declare: gcc's -aux-info lists each declaration with its file. The test
fails when the library exports a symbol no public header declares (an
internal function that escaped: libddb is built with hidden visibility and
marks its API with DDB_API), or when a declared function is not exported
(a user's program would not link). Symbols starting with '_' belong to the
toolchain (sanitizer runtimes) and are ignored.
"""
import os
import re
import subprocess
import sys
import tempfile


def declared(includes, headers):
    with tempfile.TemporaryDirectory() as tmp:
        unit = os.path.join(tmp, 'all.c')
        aux = os.path.join(tmp, 'aux.txt')
        with open(unit, 'w') as f:
            f.write(''.join(f'#include <{h}>\n' for h in headers))
        subprocess.run(['gcc', '-std=c11', *[f'-I{d}' for d in includes], '-aux-info', aux, '-c', unit,
                        '-o', os.path.join(tmp, 'all.o')], check=True)
        names = set()
        with open(aux) as f:
            for line in f:
                m = re.match(r'/\* (.*?):\d+:.. \*/ extern .*?\b([A-Za-z_][A-Za-z0-9_]*) \(', line)
                if m and '/ddb/' in m.group(1):
                    names.add(m.group(2))
        return names


def exported(lib):
    out = subprocess.run(['nm', '-D', '--defined-only', lib], check=True, capture_output=True,
                         text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and not parts[2].startswith('_'):
            names.add(parts[2].split('@')[0])
    return names


def main():
    lib = sys.argv[1]
    sep = sys.argv.index('--')
    includes, headers = sys.argv[2:sep], sys.argv[sep + 1:]
    api = declared(includes, headers)
    exp = exported(lib)
    if len(api) < 100:
        sys.exit(f'only {len(api)} declarations found in {headers}: the check itself is broken')
    extra = sorted(exp - api)
    missing = sorted(api - exp)
    for name in extra:
        print(f'FAIL exported but declared in no public header: {name}')
    for name in missing:
        print(f'FAIL declared in a public header but not exported: {name}')
    print(f'{len(exp)} exported, {len(api)} declared; {len(extra)} extra, {len(missing)} missing')
    return 1 if extra or missing else 0


if __name__ == '__main__':
    sys.exit(main())
