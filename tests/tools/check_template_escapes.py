#!/usr/bin/env python3
"""Schema text reaches generated code only through an escaping filter.

  check_template_escapes.py ROOT [TEMPLATE...]

In templates/*.j2 (or the TEMPLATEs given), every {{ expression }} that
mentions schema text must be `<value> | ... | c_string` or
`<value> | ... | c_comment` (docs/security.md, "Generator"), or end with
`| length` (a number). Schema text is a context key that holds it (RAW_KEYS,
from docs/templates.md) or a variable bound from one: a `for` variable, a
`set` name, a macro parameter some call passes it to (a loop over the
items of a dict holding such keys binds it too). Other expressions
print identifiers the checker validated and constants. The few exceptions
are listed in ALLOWED with their reason, and must each still occur, so the
list cannot go stale.

Fails listing every offending expression with its template and line.
"""
import os
import re
import sys

# Context keys whose values are text a schema author wrote (docs/templates.md).
RAW_KEYS = {
    'schema_file', 'table', 'doc_lines', 'attr', 'comment', 'heading', 'path', 'text', 'members',
    'include', 's3_bucket', 's3_prefix', 'discriminator',
}
# Dicts holding such keys: a loop over their items binds schema text too.
RAW_CONTAINERS = {'codec', 'default'}
ESCAPES = {'c_string', 'c_comment'}
NUMBER_FILTERS = {'length'}
# (template, expression) -> (times it occurs, why it needs no filter)
ALLOWED = {
    ('source.c.j2', 'd.text'): (2, 'the C literal of an int64, double or bool default: build_attr.c '
                                   'accepts only numbers and true/false and normalises them'),
}

STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
NAME = re.compile(r'[A-Za-z_][A-Za-z_0-9]*')
TAG = re.compile(r'\{\{-?(.*?)-?\}\}|\{%[-+]?(.*?)[-+]?%\}|\{#.*?#\}', re.S)


def strip_strings(expr):
    return STRING.sub("''", expr)


def names(expr):
    return set(NAME.findall(strip_strings(expr)))


def split_top(expr, sep):
    """Splits at `sep` outside brackets (strings already stripped)."""
    parts, depth, cur = [], 0, ''
    for ch in expr:
        if ch in '([':
            depth += 1
        elif ch in ')]':
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ''
        else:
            cur += ch
    parts.append(cur)
    return parts


def escaped(expr):
    """Whether the whole value of `expr` goes through an escaping filter last."""
    bare = strip_strings(expr)
    segments = split_top(bare, '|')
    if len(segments) < 2:
        return False
    value = segments[0]
    flat = re.sub(r'\([^()]*\)|\[[^\[\]]*\]', '', value)  # drop call and index brackets
    if re.search(r'~|\+|\bif\b|\belse\b|\band\b|\bor\b|\bnot\b', flat):
        return False  # an operator: the filter would apply to one operand only
    last = NAME.match(segments[-1].strip())
    return last is not None and last.group(0) in ESCAPES | NUMBER_FILTERS


def macro_call(expr, macros):
    """(name, args) when `expr` is a call of one of `macros`, else None."""
    m = re.fullmatch(r'\s*([A-Za-z_]\w*)\s*\((.*)\)\s*', expr, re.S)
    if not m or m.group(1) not in macros:
        return None
    args = [a for a in split_top(strip_strings(m.group(2)), ',') if a.strip()]
    # keep the original text of each argument (strings included) for names()
    return m.group(1), args


def line_of(text, pos):
    return text.count('\n', 0, pos) + 1


def check(path):
    text = open(path, encoding='utf-8').read()
    name = os.path.basename(path)
    tags = [(m.start(), m.group(1), m.group(2)) for m in TAG.finditer(text)]
    macros = {}
    for _, _, stmt in tags:
        m = re.match(r'\s*macro\s+(\w+)\s*\((.*)\)\s*$', stmt or '', re.S)
        if m:
            macros[m.group(1)] = [p.split('=')[0].strip() for p in split_top(m.group(2), ',') if p.strip()]
    raw = set(RAW_KEYS)
    # bindings, until nothing changes: for, set, macro parameters
    changed = True
    while changed:
        changed = False
        bound = set()
        for _, expr, stmt in tags:
            source = stmt if stmt is not None else expr
            m = re.match(r'\s*for\s+([\w\s,]+?)\s+in\s+(.*)$', stmt or '', re.S)
            if m and names(m.group(2)) & (raw | RAW_CONTAINERS):
                bound |= {v.strip() for v in m.group(1).split(',')}
            m = re.match(r'\s*set\s+(\w+)\s*=\s*(.*)$', stmt or '', re.S)
            if m and names(m.group(2)) & raw:
                bound.add(m.group(1))
            for call in re.finditer(r'([A-Za-z_]\w*)\s*\(', source or ''):
                if call.group(1) not in macros:
                    continue
                parsed = macro_call(source[call.start():].split('%}')[0].split('}}')[0], macros)
                if parsed is None:
                    # the call is part of a larger expression: find its closing bracket
                    depth, end = 0, call.end() - 1
                    for i in range(call.end() - 1, len(source)):
                        depth += source[i] == '('
                        depth -= source[i] == ')'
                        if depth == 0:
                            end = i
                            break
                    parsed = macro_call(source[call.start():end + 1], macros)
                if parsed is None:
                    continue
                params = macros[parsed[0]]
                for i, arg in enumerate(parsed[1]):
                    kw = re.match(r'\s*(\w+)\s*=(?!=)(.*)$', arg, re.S)
                    param = kw.group(1) if kw else (params[i] if i < len(params) else None)
                    if param and names(kw.group(2) if kw else arg) & raw:
                        bound.add(param)
        if not bound <= raw:
            raw |= bound
            changed = True
    failures, seen = [], {}
    for pos, expr, _ in tags:
        if expr is None or not names(expr) & raw:
            continue
        if macro_call(expr, macros) is not None or escaped(expr):
            continue
        key = (name, expr.strip())
        seen[key] = seen.get(key, 0) + 1
        if key in ALLOWED:
            continue
        failures.append(f'{name}:{line_of(text, pos)}: {{{{{expr}}}}} prints schema text '
                        f'({", ".join(sorted(names(expr) & raw))}) without c_string or c_comment')
    for key, (times, why) in ALLOWED.items():
        if key[0] == name and seen.get(key, 0) != times:
            failures.append(f'{name}: ALLOWED expects {{{{ {key[1]} }}}} {times} times, found '
                            f'{seen.get(key, 0)} (update the list: {why})')
    return failures


def main():
    root = sys.argv[1]
    paths = sys.argv[2:] or [os.path.join(root, 'templates', n)
                             for n in sorted(os.listdir(os.path.join(root, 'templates')))
                             if n.endswith('.j2')]
    failures = [f for p in paths for f in check(p)]
    for f in failures:
        print('FAIL ' + f)
    print(f'{len(paths)} templates checked, {len(failures)} unescaped expression(s)')
    return 1 if failures or not paths else 0


if __name__ == '__main__':
    sys.exit(main())
