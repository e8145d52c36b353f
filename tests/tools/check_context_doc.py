#!/usr/bin/env python3
"""docs/templates.md lists the whole ddbc context.

  check_context_doc.py ROOT

Every key generator/context.c puts into the template variables
(put/put_str/put_buf(..., "key", ...)) must appear as `key` in the section
"The ddbc context" of docs/templates.md.
"""
import os
import re
import sys


def main():
    root = sys.argv[1]
    src = open(os.path.join(root, 'generator', 'context.c'), encoding='utf-8').read()
    keys = set(re.findall(r'\bput(?:_str|_buf)?\([^,]+,\s*[^,]+,\s*"([a-z_0-9]+)"', src))
    keys |= {'type', 'name', 'gate', 'gate_type'}  # param_value()
    doc = open(os.path.join(root, 'docs', 'templates.md'), encoding='utf-8').read()
    start = doc.find('## The ddbc context')
    if start < 0:
        print('FAIL docs/templates.md has no section "The ddbc context"')
        return 1
    section = doc[start:doc.find('\n## ', start + 1)]
    documented = {w for code in re.findall(r'`([^`]+)`', section) for w in re.findall(r'[a-z_0-9]+', code)}
    missing = sorted(keys - documented)
    for k in missing:
        print(f'FAIL context key "{k}" is not documented in docs/templates.md')
    print(f'{len(keys)} context keys, {len(missing)} undocumented')
    return 1 if missing or len(keys) < 40 else 0


if __name__ == '__main__':
    sys.exit(main())
