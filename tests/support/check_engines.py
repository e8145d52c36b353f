#!/usr/bin/env python3
"""check_engines.py - tests/support/engines.txt is well formed, every entry
is described in docs/engines.md and used by a test, and the python helpers
agree with the C ones (test_engine.c pins the same values).

Usage: check_engines.py SOURCE_ROOT   (meson test 'engines_table', suite unit)
"""

import os
import re
import sys

ISOLATIONS = {'access-key', 'moto-account', 'shared', 'environment'}
# moto accounts of these access keys; test_engine.c asserts the same numbers
ACCOUNTS = {'forum1234': '964049654994', '': '839346656037', 'interop-\u00fc': '775272288606'}

errors = []


def error(msg):
    errors.append(msg)


def main(root):
    sys.path.insert(0, os.path.join(root, 'tests', 'support'))
    import engines

    engines_seen = {}
    deviations = {}
    with open(os.path.join(root, 'tests', 'support', 'engines.txt'), encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if line.startswith('#') or not line.strip():
                continue
            words = line.split(None, 3)
            where = 'engines.txt:%d' % n
            if len(words) < 4:
                error('%s: expected KIND NAME FIELD DESCRIPTION' % where)
                continue
            kind, name, field, _ = words
            if kind == 'engine':
                iso = field.split('=', 1)
                if iso[0] != 'isolation' or len(iso) != 2 or iso[1] not in ISOLATIONS:
                    error('%s: engine %s: bad %s' % (where, name, field))
                engines_seen[name] = iso[-1]
            elif kind == 'deviation':
                if not re.fullmatch(r'[a-z0-9_]{1,62}', name):
                    error('%s: bad deviation id %r' % (where, name))
                if name in deviations:
                    error('%s: deviation %s twice' % (where, name))
                deviations[name] = field.split(',')
            else:
                error('%s: unknown line kind %s' % (where, kind))
    for dev, names in deviations.items():
        for e in names:
            if e not in engines_seen:
                error('deviation %s names unknown engine %s' % (dev, e))
    for required in ('moto', 'dynalite', 'dynamodb-local', 'dynamodb'):
        if required not in engines_seen:
            error('engine %s missing from engines.txt' % required)

    # docs/engines.md: one table row per deviation, naming its engines
    with open(os.path.join(root, 'docs', 'engines.md'), encoding='utf-8') as f:
        doc = f.read()
    for dev, names in deviations.items():
        m = re.search(r'^\| `%s` \| ([^|]+) \|' % re.escape(dev), doc, re.M)
        if m is None:
            error('docs/engines.md has no row for deviation %s' % dev)
        elif sorted(x.strip() for x in m.group(1).split(',')) != sorted(names):
            error('docs/engines.md: deviation %s: engines %s, engines.txt says %s'
                  % (dev, m.group(1).strip(), ','.join(names)))
    names_re = '|'.join(re.escape(e) for e in engines_seen)
    for row in re.findall(r'^\| `([a-z0-9_]+)` \| (?:%s)(?:, ?(?:%s))* \|' % (names_re, names_re),
                          doc, re.M):
        if row not in deviations:
            error('docs/engines.md describes deviation %s, which engines.txt lacks' % row)
    for e in engines_seen:
        if '`%s`' % e not in doc:
            error('docs/engines.md does not mention engine %s' % e)

    # every deviation is asserted by some test
    used = set()
    pattern = re.compile(r'deviates\(\s*["\']([a-z0-9_]+)["\']\s*\)')
    for dirpath, _, files in os.walk(os.path.join(root, 'tests')):
        for name in files:
            if name.endswith(('.c', '.py')) and name != 'check_engines.py':
                with open(os.path.join(dirpath, name), encoding='utf-8', errors='replace') as f:
                    used.update(pattern.findall(f.read()))
    for dev in deviations:
        if dev not in used:
            error('deviation %s is asserted by no test' % dev)
    for dev in used - set(deviations):
        error('a test asks for deviation %s, which engines.txt lacks' % dev)

    # python and C derive the same moto accounts
    for key, account in ACCOUNTS.items():
        if engines.moto_account(key) != account:
            error('moto_account(%r) = %s, expected %s' % (key, engines.moto_account(key), account))

    for e in errors:
        print('check_engines: ' + e, file=sys.stderr)
    print('check_engines: %d engines, %d deviations, %d problems'
          % (len(engines_seen), len(deviations), len(errors)))
    return 1 if errors else 0


if __name__ == '__main__':
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
