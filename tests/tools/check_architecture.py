#!/usr/bin/env python3
"""docs/architecture.md names every file of generator/, runtime/ and tools/.

  check_architecture.py ROOT

Fails listing each source, header or build file under generator/,
runtime/ and tools/ (git-tracked or not, build trees excluded) whose name does not
appear in docs/architecture.md as a word, and each name in the document's
file tables that no longer exists, so the document stays true to the code.
Also checks the document's claim that no public header includes one that
includes it back (directly or through others).
"""
import os
import re
import sys


def include_cycles(include_dir):
    """Cycles among the headers of include_dir/ddb (#include "ddb/x.h")."""
    graph = {}
    ddb = os.path.join(include_dir, 'ddb')
    for n in os.listdir(ddb):
        if n.endswith(('.h', '.h.in')):
            name = n[:-3] if n.endswith('.in') else n
            text = open(os.path.join(ddb, n), encoding='utf-8').read()
            graph[name] = set(re.findall(r'#include\s+["<]ddb/([\w.]+)[">]', text))
    cycles, state = [], {}

    def visit(node, path):
        state[node] = 'open'
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 'open':
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 'done'

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def main():
    root = sys.argv[1]
    doc = open(os.path.join(root, 'docs', 'architecture.md'), encoding='utf-8').read()
    words = set(re.findall(r'[A-Za-z0-9_.]+', doc))
    files = set()
    for top in ('generator', 'runtime', 'tools'):
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
    cycles = include_cycles(os.path.join(root, 'runtime', 'include'))
    for c in cycles:
        print('FAIL public headers include each other: ' + ' -> '.join(c))
    print(f'{len(files)} files, {len(missing)} unnamed, {len(stale)} stale names, {len(cycles)} include cycles')
    return 1 if missing or stale or cycles else 0


if __name__ == '__main__':
    sys.exit(main())
