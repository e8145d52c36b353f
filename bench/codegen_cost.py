#!/usr/bin/env python3
"""codegen_cost.py - what the generated code costs its users (a benchmark,
not a test): lines per attribute and exported functions per model for the
golden schemas, and for a generated schema of 500 attributes the time to
compile its .c and a program including its header, and the object size.

Usage: bench/codegen_cost.py BUILD_DIR [--attributes N] [--compiler CC] [--repeat R]

BUILD_DIR is a configured and built meson build directory (for ddbc and the
runtime headers). Prints one table; docs/generated.md keeps the figures.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = [
    ('forum', os.path.join(ROOT, 'schemas', 'forum.yaml')),
    ('everything', os.path.join(ROOT, 'tests', 'golden', 'everything.yaml')),
    ('rich', os.path.join(ROOT, 'tests', 'integration', 'rich.yaml')),
]

# A deterministic mix of attribute types, as a real schema would have them.
MIX = [
    '{type: string}', '{type: string, null: true}', '{type: int64, default: 0}',
    '{type: double, null: true}', '{type: bool, default: false}', '{type: binary, null: true}',
    '{type: decimal, null: true}', '{type: utc_datetime, null: true}', '{type: json, null: true}',
    '{type: string_set, null: true}', '{type: number_set, null: true}',
    '{type: list, of: string, null: true}', '{type: list, of: int64, null: true}',
    '{type: address, null: true}', '{type: document, null: true}', '{type: string, attr_name: x%d}',
]


def big_schema(n_attrs, models=10):
    lines = ['version: 1', 'prefix: big', 'models:']
    per = n_attrs // models
    k = 0
    for m in range(models):
        lines += ['  m%d:' % m, '    table: Big%d' % m, '    keys: {hash: id}', '    attributes:',
                  '      id: {type: string}']
        for _ in range(per - 1):
            t = MIX[k % len(MIX)]
            lines.append('      a%d: %s' % (k, t % k if '%d' in t else t))
            k += 1
    lines += ['maps:', '  address:', '    attributes:', '      street: {type: string}',
              '      zip: {type: string, null: true}']
    return '\n'.join(lines) + '\n', models * per


def count_attrs(path):
    """Attributes of models and maps in a schema file (lines under 'attributes:')."""
    n, inside = 0, False
    with open(path, encoding='utf-8') as f:
        for line in f:
            s = line.rstrip('\n')
            stripped = s.strip()
            if stripped.startswith('attributes:'):
                inside, depth = True, len(s) - len(s.lstrip())
                n += stripped.count(':') - 1 if '{' in stripped else 0
                continue
            if inside:
                d = len(s) - len(s.lstrip())
                if stripped and d <= depth:
                    inside = False
                elif stripped and not stripped.startswith('#') and d == depth + 2:
                    n += 1
    return n


def generate(ddbc, schema, out):
    subprocess.run([ddbc, '-o', out, schema], check=True)
    base = os.path.splitext(os.path.basename(schema))[0]
    return os.path.join(out, base + '.h'), os.path.join(out, base + '.c')


def lines(path):
    with open(path, encoding='utf-8') as f:
        return sum(1 for _ in f)


def cflags(build):
    return ['-std=c11', '-O2', '-I', os.path.join(ROOT, 'runtime', 'include'),
            '-I', os.path.join(build, 'runtime', 'include')]


def exported(obj):
    out = subprocess.run(['nm', '--defined-only', '-g', obj], check=True, capture_output=True,
                         text=True).stdout
    return sum(1 for l in out.splitlines() if l.split()[1:2] == ['T'])


def timed(cmd, repeat):
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build')
    ap.add_argument('--attributes', type=int, default=500)
    ap.add_argument('--compiler', default='gcc')
    ap.add_argument('--repeat', type=int, default=3)
    args = ap.parse_args()
    ddbc = os.path.join(args.build, 'generator', 'ddbc')
    flags = cflags(args.build)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, schema in GOLDEN:
            d = os.path.join(tmp, name)
            os.mkdir(d)
            h, c = generate(ddbc, schema, d)
            obj = os.path.join(d, name + '.o')
            subprocess.run([args.compiler] + flags + ['-I', d, '-c', c, '-o', obj], check=True)
            n = count_attrs(schema)
            total = lines(h) + lines(c)
            with open(schema, encoding='utf-8') as f:
                n_models = sum(1 for l in f if l.startswith('    table:'))
            rows.append((name, n, total, total / n, exported(obj) / max(n_models, 1), None, None, None))
        text, n = big_schema(args.attributes)
        d = os.path.join(tmp, 'big')
        os.mkdir(d)
        schema = os.path.join(d, 'big.yaml')
        with open(schema, 'w', encoding='utf-8') as f:
            f.write(text)
        h, c = generate(ddbc, schema, d)
        obj = os.path.join(d, 'big.o')
        t_c = timed([args.compiler] + flags + ['-I', d, '-c', c, '-o', obj], args.repeat)
        user = os.path.join(d, 'user.c')
        with open(user, 'w', encoding='utf-8') as f:
            f.write('#include "big.h"\nint main(void) { big_m0 m; big_m0_init(&m); big_m0_clear(&m); return 0; }\n')
        t_h = timed([args.compiler] + flags + ['-I', d, '-c', user, '-o', os.path.join(d, 'user.o')],
                    args.repeat)
        size = os.path.getsize(obj)
        text_size = subprocess.run(['size', obj], check=True, capture_output=True,
                                   text=True).stdout.splitlines()[1].split()[0]
        total = lines(h) + lines(c)
        rows.append(('big (%d attrs)' % n, n + 2, total, total / (n + 2), exported(obj) / 10, t_c, t_h,
                     int(text_size)))
    print('%-18s %6s %8s %10s %12s %10s %12s %10s' % ('schema', 'attrs', 'lines', 'lines/attr',
                                                      'exports/model', 'cc .c (s)',
                                                      'cc user (s)', 'text (B)'))
    for r in rows:
        print('%-18s %6d %8d %10.1f %12.1f %10s %12s %10s' % (
            r[0], r[1], r[2], r[3], r[4], '%.2f' % r[5] if r[5] is not None else '-',
            '%.2f' % r[6] if r[6] is not None else '-', r[7] if r[7] is not None else '-'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
