#!/usr/bin/env python3
"""docs/architecture.md names every file of generator/ and runtime/.

  check_architecture.py ROOT

Fails listing each source, header or build file under generator/ and
runtime/ (git-tracked or not, build trees excluded) whose name does not
appear in docs/architecture.md as a word, and each name in the document's
file tables that no longer exists, so the document stays true to the code.
"""
import os
import re
import sys


def main():
    root = sys.argv[1]
    doc = open(os.path.join(root, 'docs', 'architecture.md'), encoding='utf-8').read()
    words = set(re.findall(r'[A-Za-z0-9_.]+', doc))
    files = set()
    for top in ('generator', 'runtime'):
        for dirpath, _dirs, names in os.walk(os.path.join(root, top)):
            for n in names:
                if n.endswith(('.c', '.h', '.in')) or n == 'meson.build':
                    files.add((os.path.relpath(os.path.join(dirpath, n), root), n))
    missing = sorted(rel for rel, n in files if n not in words)
    existing = {n for _, n in files}
    # names in the first column of the file tables: "| a.c, a.h | job |"
    listed = set()
    for line in doc.splitlines():
        m = re.match(r'\|\s*([^|]+?)\s*\|', line)
        if m:
            listed.update(x.strip() for x in m.group(1).split(',') if re.fullmatch(r'[\w.]+\.(c|h|in)', x.strip()))
    stale = sorted(listed - existing)
    for rel in missing:
        print(f'FAIL {rel} is not named in docs/architecture.md')
    for n in stale:
        print(f'FAIL docs/architecture.md names {n}, which does not exist')
    print(f'{len(files)} files, {len(missing)} unnamed, {len(stale)} stale names')
    return 1 if missing or stale else 0


if __name__ == '__main__':
    sys.exit(main())
