#!/usr/bin/env python3
"""End-to-end test of the `ddb` command-line tool against the engine under test.

  test_cli.py PATH/TO/ddb

Needs DDB_TEST_ENDPOINT (scripts/test.sh starts the engine and sets it) and
fails without it: nothing is skipped. Every command runs with
--endpoint-url $DDB_TEST_ENDPOINT and --region us-east-1 (plus another
region for copies), with the credentials of the environment. Tables are
named after this process (cli<pid>_...), so concurrent runs and other tests
keep apart, and are deleted at the end. Dependency-free: subprocess + json.

Covered: every command; plain and DynamoDB JSON in both directions; the
refusal of binary values and sets in plain JSON output; conditional
writes and their failure (exit 1); get of a missing item (exit 3); usage
errors (exit 2); query and scan with filter and projection over many small
pages, limits, descending order, indexes and parallel segments; exact and
approximate counts; dump and load (files, standard input and output, bad
lines, --keep-going); copy between regions (two clients), with
--create-table and through a profile's region; create-tables and
delete-tables from ddbc schemas (indexes, LSI, INCLUDE projections,
provisioned billing, streams, TTL, subclasses, --dry-run, --table-prefix,
schema errors); --profile; the progress line on a terminal and its absence
when piped or with --quiet.
"""
import json
import os
import pty
import re
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

DDB = None
ENDPOINT = None
# DDB_TEST_C_WRAPPER (scripts/test.sh's valgrind run) runs every ddb under
# that command: meson's --wrapper wraps this script, not ddb. valgrind
# writes to a log per process (-q keeps stderr, which is checked, clean).
WRAPPER = shlex.split(os.environ.get('DDB_TEST_C_WRAPPER', ''))
WRAPPER_LOGS = None
PID = os.getpid()
P = 'cli%d_' % PID  # table prefix of this process
SRC_ROOT = os.environ.get('DDB_SOURCE_ROOT') or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'support'))
import engines  # noqa: E402  (tests/support/engines.py: the engine's documented deviations)
CREATED = []  # (table, region) to delete at the end
CHECKS = 0


class Failure(Exception):
    pass


def check(cond, what, detail=None):
    global CHECKS
    CHECKS += 1
    if not cond:
        raise Failure(what + ('' if detail is None else '\n' + str(detail)))


def base_args(region='us-east-1'):
    args = ['--endpoint-url', ENDPOINT]
    if region is not None:
        args += ['--region', region]
    return args


def ddb(*args, rc=0, stdin=None, env=None, region='us-east-1', endpoint=True):
    """Runs ddb ARGS (plus endpoint and region); checks the exit status;
    returns (stdout, stderr)."""
    argv = [DDB] + (base_args(region) if endpoint else []) + list(args)
    p = subprocess.run(WRAPPER + argv, input=stdin, capture_output=True, text=True, env=env, timeout=600)
    check(p.returncode == rc, 'exit status %d, expected %d: %s' % (p.returncode, rc, ' '.join(argv)),
          'stdout:\n%s\nstderr:\n%s%s' % (p.stdout[-3000:], p.stderr[-3000:], wrapper_log()))
    return p.stdout, p.stderr


def wrapper_log():
    """What the wrapper logged (valgrind's reports), for a failure."""
    if WRAPPER_LOGS is None:
        return ''
    text = ''
    for name in sorted(os.listdir(WRAPPER_LOGS)):
        with open(os.path.join(WRAPPER_LOGS, name), errors='replace') as f:
            text += f.read()
    return '\nwrapper log:\n' + text[-6000:] if text else ''


def lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def section(name):
    print('-- %s' % name, flush=True)


def create_simple(table, region='us-east-1', hash_type='S', range_key=None):
    """A table from a one-model schema written on the fly (create-tables)."""
    with tempfile.NamedTemporaryFile('w', suffix='.yaml', delete=False) as f:
        keys = '{hash: pk%s}' % (', range: sk' if range_key else '')
        f.write('version: 1\nprefix: t\nmodels:\n  m:\n    table: %s\n    keys: %s\n    attributes:\n'
                '      pk: {type: %s}\n' % (table, keys, {'S': 'string', 'N': 'int64', 'B': 'binary'}[hash_type]))
        if range_key:
            f.write('      sk: {type: %s}\n' % {'S': 'string', 'N': 'int64'}[range_key])
        path = f.name
    try:
        out, _ = ddb('create-tables', path, region=region)
        check(out == 'created %s\n' % table, 'create-tables output', out)
    finally:
        os.unlink(path)
    CREATED.append((table, region))


# ------------------------------------------------------------------ usage

def test_usage():
    section('usage, help, version')
    out, _ = ddb('--version', endpoint=False)
    check(out.startswith('ddb ') and 'libddb' in out, '--version', out)
    out, _ = ddb('--help', endpoint=False)
    for cmd in ('list-tables', 'describe', 'get', 'put', 'delete', 'update', 'query', 'scan', 'count', 'dump',
                'load', 'copy', 'create-tables', 'delete-tables'):
        check(('  %s ' % cmd) in out, 'help lists ' + cmd, out)
        sub, _ = ddb(cmd, '--help', endpoint=False)
        check(sub.startswith('Usage: ddb %s' % cmd), cmd + ' --help', sub)
    out, _ = ddb('help', 'scan', endpoint=False)
    check('--segments' in out, 'help scan', out)
    check('Exit status' in ddb('help', endpoint=False)[0], 'exit status documented in --help')
    usage = [
        ([], 'no command given'),
        (['bogus'], "unknown command 'bogus'"),
        (['scan', 'T', '--bogus'], 'unknown option --bogus'),
        (['scan', 'T', '--key-condition', 'x = :x'], 'scan does not take --key-condition'),
        (['get', 'T'], 'missing arguments'),
        (['get', 'T', '{}', 'extra'], 'at most 2 arguments'),
        (['scan', 'T', '--limit', '0'], '--limit needs a whole number'),
        (['scan', 'T', '--limit', '12x'], '--limit needs a whole number'),
        (['scan', 'T', '--segments', '1000001'], '--segments needs a whole number'),
        (['scan', 'T', '--filter'], '--filter needs a value'),
        (['scan', 'T', '--filter', 'a', '--filter', 'b'], '--filter is given twice'),
        (['scan', 'T', '--consistent=yes'], '--consistent takes no value'),
        (['query', 'T'], 'query needs --key-condition'),
        (['get', 'T', '{"id": '], 'KEY is not a JSON object'),
        (['get', 'T', '[1]'], 'KEY is not a JSON object'),
        (['get', 'T', '{"id": "a"}', '--ddb-json'], 'KEY is not a DynamoDB JSON object'),
        (['put', 'T', '{"id": "a"}', '--values', '{":v": 1}', '--condition', 'a = :v'], '--values is not a DynamoDB JSON object'),
        (['put', 'T', '{"id": "a"}', '--names', '{"#n": 1}', '--condition', '#n = a'], '--names: "#n" must name'),
        (['put', 'T', '{"id": "a"}', '--values', '{":v": {"S": "x"}}'], '--values needs an expression'),
        (['put', 'T', '{"id": "a"}', '--return-values', 'ALL_NEW'], '--return-values must be NONE or ALL_OLD'),
        (['update', 'T', '{"id": "a"}'], 'update needs --set'),
        (['update', 'T', '{"id": "a"}', '--set', 'novalue'], '--set takes PATH=VALUE'),
        (['update', 'T', '{"id": "a"}', '--set', 'a=bare'], 'VALUE is not one JSON value'),
        (['update', 'T', '{"id": "a"}', '--set', 'a=1, "b": 2'], 'VALUE is not one JSON value'),
        (['update', 'T', '{"id": "a"}', '--set', 'a=1', '--update-expression', 'SET a = :a'], 'replaces --set'),
        (['update', 'T', '{"id": "a"}', '--set', 'a..b=1'], '--set/--remove:'),
        (['update', 'T', '{"id": {"S": "a"}}', '--set', 'a={"S":"x"', '--ddb-json'], 'not a DynamoDB JSON value'),
        (['count', 'T', '--approximate', '--filter', 'a = :a'], '--approximate'),
        (['copy', 'A'], 'missing arguments'),
        (['copy', 'A', 'A'], 'the source and the destination are the same table'),
        (['get', 'T', '-', '--names', '-', '--projection', 'x'], "standard input ('-') is already used"),
        (['help', 'bogus'], "unknown command 'bogus'"),
    ]
    # the manual page has every command and every option of the help texts; docs/cli.md every command
    man = open(os.path.join(SRC_ROOT, 'docs', 'ddb.1')).read().replace('\\-', '-').replace('\\fR', '')
    guide = open(os.path.join(SRC_ROOT, 'docs', 'cli.md')).read()
    helps = ddb('--help', endpoint=False)[0]
    for cmd in ('list-tables', 'describe', 'get', 'put', 'delete', 'update', 'query', 'scan', 'count', 'dump',
                'load', 'copy', 'create-tables', 'delete-tables'):
        check(re.search(r'^\.BI? %s\b' % re.escape(cmd), man, re.M) is not None, 'ddb.1 describes ' + cmd)
        check('`%s' % cmd in guide, 'docs/cli.md describes ' + cmd)
        helps += ddb(cmd, '--help', endpoint=False)[0]
    options = set(re.findall(r'(?<![\w-])--[a-z][a-z-]+', helps))
    check(len(options) > 40, 'options found in the help texts', options)
    for opt in sorted(options):
        check(opt in man, 'ddb.1 documents ' + opt)
    for args, text in usage:
        _, err = ddb(*args, rc=2, stdin='{"id": "a"}')
        check(err.startswith('ddb: usage: ') and text in err and 'Try ' in err, 'usage message of %r' % args, err)


# ------------------------------------------------------------------ items

def test_items():
    section('get, put, delete, update: plain and DynamoDB JSON, conditions')
    t = P + 'items'
    create_simple(t, range_key='N')
    out, _ = ddb('put', t, '{"pk": "a", "sk": 1, "name": "Ann", "n": 1.50, "ok": true, "none": null, '
                 '"list": [1, "two", [3]], "map": {"x": {"y": "z"}}, "big": 123456789012345678901234567890}')
    check(out == '', 'put prints nothing', out)
    out, _ = ddb('get', t, '{"pk": "a", "sk": 1}')
    got = json.loads(out)
    check(got == {"pk": "a", "sk": 1, "name": "Ann", "n": 1.5, "ok": True, "none": None,
                  "list": [1, "two", [3]], "map": {"x": {"y": "z"}}, "big": 123456789012345678901234567890},
          'plain round trip', out)
    check(out.count('\n') == 1, 'one line', out)
    check('123456789012345678901234567890' in out, 'numbers keep every digit', out)
    out, _ = ddb('get', t, '{"pk": {"S": "a"}, "sk": {"N": "1"}}', '--ddb-json')
    got = json.loads(out)
    check(got['name'] == {'S': 'Ann'} and got['sk'] == {'N': '1'} and got['list']['L'][1] == {'S': 'two'}
          and got['none'] == {'NULL': True} and got['ok'] == {'BOOL': True}, 'DynamoDB JSON out', out)
    # DynamoDB JSON in: binary and sets, which plain JSON cannot carry
    ddb('put', t, '{"pk": {"S": "b"}, "sk": {"N": "2"}, "blob": {"B": "AAEC"}, "tags": {"SS": ["x", "y"]}, '
        '"doc": {"M": {"inner": {"L": [{"S": "ok"}, {"NS": ["1", "2"]}]}}}}', '--ddb-json')
    out, _ = ddb('get', t, '{"pk": {"S": "b"}, "sk": {"N": "2"}}', '--ddb-json')
    got = json.loads(out)
    check(got['blob'] == {'B': 'AAEC'} and sorted(got['tags']['SS']) == ['x', 'y'], 'binary and sets kept', out)
    out, err = ddb('get', t, '{"pk": "b", "sk": 2}', rc=1)
    check(out == '', 'nothing printed for a refused item', out)
    # engines return attributes in their own order: the first refused one is named
    check(('attribute "blob" is B' in err or 'attribute "tags" is SS' in err or 'attribute "doc.inner[1]" is NS' in err)
          and 'which plain JSON cannot carry' in err and '--ddb-json prints every type' in err,
          'refused by name', err)
    ddb('put', t, '{"pk": {"S": "b"}, "sk": {"N": "7"}, "blob": {"B": "AAEC"}}', '--ddb-json')
    _, err = ddb('get', t, '{"pk": "b", "sk": 7}', rc=1)
    check('attribute "blob" is B' in err, 'binary refused by name', err)
    # nested refusal names the path
    ddb('put', t, '{"pk": {"S": "c"}, "sk": {"N": "3"}, "doc": {"M": {"inner": {"L": [{"S": "ok"}, '
        '{"NS": ["1", "2"]}]}}}}', '--ddb-json')
    _, err = ddb('get', t, '{"pk": "c", "sk": 3}', rc=1)
    check('attribute "doc.inner[1]" is NS' in err, 'nested set refused by path', err)
    ddb('put', t, '{"pk": {"S": "d"}, "sk": {"N": "4"}, "s": {"BS": ["AA=="]}}', '--ddb-json')
    _, err = ddb('get', t, '{"pk": "d", "sk": 4}', rc=1)
    check('attribute "s" is BS' in err, 'binary set refused', err)
    ddb('put', t, '{"pk": {"S": "e"}, "sk": {"N": "5"}, "s": {"SS": ["q"]}}', '--ddb-json')
    _, err = ddb('get', t, '{"pk": "e", "sk": 5}', rc=1)
    check('attribute "s" is SS' in err, 'string set refused', err)
    # not found: exit 3
    out, err = ddb('get', t, '{"pk": "zz", "sk": 9}', rc=3)
    check(out == '' and 'not found' in err and t in err, 'get of a missing item', err)
    # keys, items from standard input and files
    out, _ = ddb('get', t, '-', stdin='{"pk": "a", "sk": 1}')
    check(json.loads(out)['name'] == 'Ann', 'KEY from standard input', out)
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
        f.write('{"pk": "f", "sk": 6, "from": "file"}')
    try:
        ddb('put', t, '@' + f.name)
    finally:
        os.unlink(f.name)
    check(json.loads(ddb('get', t, '{"pk": "f", "sk": 6}')[0])['from'] == 'file', 'ITEM from @FILE')
    _, err = ddb('put', t, '@/nonexistent/item.json', rc=1)
    check('cannot open /nonexistent/item.json' in err, '@FILE that does not exist', err)
    # projection with names
    out, _ = ddb('get', t, '{"pk": "a", "sk": 1}', '--projection', '#n, #m.x', '--names', '{"#n": "name", "#m": "map"}',
                 '--consistent')
    check(json.loads(out) == {"name": "Ann", "map": {"x": {"y": "z"}}}, 'get --projection', out)

    # conditional put: fails with exit 1 and the AWS error; nothing changes
    _, err = ddb('put', t, '{"pk": "a", "sk": 1, "name": "Bob"}', '--condition', 'attribute_not_exists(pk)', rc=1)
    check(err.startswith('ddb: error: PutItem on %s: conditional check failed: ConditionalCheckFailedException' % t),
          'conditional failure message', err)
    check('request id' in err, 'request id in the message', err)
    check(json.loads(ddb('get', t, '{"pk": "a", "sk": 1}')[0])['name'] == 'Ann', 'failed put changed nothing')
    # conditional put that holds, with the AWS CLI's long option names and ALL_OLD
    out, _ = ddb('put', t, '{"pk": "a", "sk": 1, "name": "Bob"}', '--condition-expression', '#n = :old',
                 '--expression-attribute-names', '{"#n": "name"}', '--expression-attribute-values',
                 '{":old": {"S": "Ann"}}', '--return-values', 'ALL_OLD')
    check(json.loads(out)['name'] == 'Ann', 'ALL_OLD of a put', out)
    check(json.loads(ddb('get', t, '{"pk": "a", "sk": 1}')[0]) == {"pk": "a", "sk": 1, "name": "Bob"},
          'put replaced the item')

    # update: --set (plain values of every kind), --remove, condition, names, return values
    out, _ = ddb('update', t, '{"pk": "a", "sk": 1}', '--set', 'n=5', '--set', 'title="The \\"C\\" book"',
                 '--set', 'tags=["x", 2]', '--set', 'meta={"a": {"b": null}}', '--set', 'flag=false',
                 '--return-values', 'ALL_NEW')
    check(json.loads(out) == {"pk": "a", "sk": 1, "name": "Bob", "n": 5, "title": 'The "C" book',
                              "tags": ["x", 2], "meta": {"a": {"b": None}}, "flag": False}, 'update ALL_NEW', out)
    out, _ = ddb('update', t, '{"pk": "a", "sk": 1}', '--set', 'meta.a.c=7', '--set', 'tags[0]="y"',
                 '--remove', 'flag', '--condition', '#n = :n', '--names', '{"#n": "name"}', '--values',
                 '{":n": {"S": "Bob"}}', '--return-values', 'UPDATED_NEW')
    got = json.loads(out)
    # UPDATED_NEW of nested paths differs by engine (DynamoDB and dynalite return the paths updated, moto
    # and DynamoDB Local more of their attributes): what ddb prints is what came back, all engines agree on this
    check(set(got) == {'meta', 'tags'} and got['meta']['a']['c'] == 7 and got['tags'][0] == 'y',
          'nested update (UPDATED_NEW)', out)
    check(json.loads(ddb('get', t, '{"pk": "a", "sk": 1}')[0])['meta'] == {"a": {"b": None, "c": 7}},
          'nested update applied', out)
    _, err = ddb('update', t, '{"pk": "a", "sk": 1}', '--set', 'n=6', '--condition', 'n = :v', '--values',
                 '{":v": {"N": "99"}}', rc=1)
    check('UpdateItem on %s: conditional check failed' % t in err, 'update condition failure', err)
    _, err = ddb('update', t, '{"pk": "a", "sk": 1}', '--set', 'n=6', '--condition', '#n0 = :x', '--names',
                 '{"#n0": "n"}', '--values', '{":x": {"N": "5"}}', rc=2)
    check('placeholder #n0' in err, 'placeholder clash refused', err)
    # DynamoDB JSON values for --set (a set), and an update expression written by hand
    ddb('update', t, '{"pk": {"S": "a"}, "sk": {"N": "1"}}', '--ddb-json', '--set', 'colors={"SS": ["red"]}')
    ddb('update', t, '{"pk": "a", "sk": 1}', '--update-expression', 'ADD colors :c SET #n = :n',
        '--names', '{"#n": "n"}', '--values', '{":c": {"SS": ["blue"]}, ":n": {"N": "10"}}')
    got = json.loads(ddb('get', t, '{"pk": {"S": "a"}, "sk": {"N": "1"}}', '--ddb-json')[0])
    check(sorted(got['colors']['SS']) == ['blue', 'red'] and got['n'] == {'N': '10'}, 'update expression', got)
    # an update that returns a set cannot print it as plain JSON: the write happened, exit 1 says so
    _, err = ddb('update', t, '{"pk": "a", "sk": 1}', '--set', 'n=11', '--return-values', 'ALL_NEW', rc=1)
    check('UpdateItem succeeded, but the attributes it returned cannot be printed' in err and '"colors"' in err,
          'returned set refused after the write', err)
    check(json.loads(ddb('get', t, '{"pk": {"S": "a"}, "sk": {"N": "1"}}', '--ddb-json')[0])['n'] == {'N': '11'},
          'that update was applied')

    # delete: conditional failure, success with ALL_OLD, absent item
    _, err = ddb('delete', t, '{"pk": "f", "sk": 6}', '--condition', 'attribute_not_exists(pk)', rc=1)
    check('DeleteItem on %s: conditional check failed' % t in err, 'delete condition failure', err)
    out, _ = ddb('delete', t, '{"pk": "f", "sk": 6}', '--return-values', 'ALL_OLD')
    check(json.loads(out)['from'] == 'file', 'delete ALL_OLD', out)
    ddb('get', t, '{"pk": "f", "sk": 6}', rc=3)
    out, _ = ddb('delete', t, '{"pk": "f", "sk": 6}')
    check(out == '', 'deleting an absent item succeeds')
    # errors of the service carry its code, message and request id
    _, err = ddb('get', t, '{"pk": "a"}', rc=1)
    check('GetItem on %s' % t in err and 'ValidationException' in err, 'wrong key: the service error', err)
    _, err = ddb('get', P + 'missing', '{"pk": "a"}', rc=1)
    check('ResourceNotFoundException' in err and 'request id' in err, 'missing table', err)


# ------------------------------------------------------------------ reads

def test_reads():
    section('query, scan, count over many pages')
    t = P + 'reads'
    with tempfile.NamedTemporaryFile('w', suffix='.yaml', delete=False) as f:
        f.write('version: 1\nprefix: r\nmodels:\n  m:\n    table: %s\n    keys: {hash: g, range: n}\n'
                '    indexes:\n      by_color: {hash: color, range: n}\n'
                '    attributes:\n      g: {type: string}\n      n: {type: int64}\n'
                '      color: {type: string}\n' % t)
        schema = f.name
    try:
        ddb('create-tables', schema)
    finally:
        os.unlink(schema)
    CREATED.append((t, 'us-east-1'))
    items = []
    for g in ('a', 'b'):
        for n in range(30):
            items.append({'g': g, 'n': n, 'color': ['red', 'green', 'blue'][n % 3], 'w': n * 10, 'pad': 'x' * 50})
    with tempfile.NamedTemporaryFile('w', suffix='.jsonl', delete=False) as f:
        for it in items:
            f.write(json.dumps({'Item': {'g': {'S': it['g']}, 'n': {'N': str(it['n'])}, 'color': {'S': it['color']},
                                         'w': {'N': str(it['w'])}, 'pad': {'S': it['pad']}}}) + '\n')
        jl = f.name
    try:
        out, err = ddb('load', t, jl)
        check(out == '' and err == '', 'load is quiet when piped', err)
    finally:
        os.unlink(jl)

    # query: key condition + filter + projection over pages of 4 items
    out, err = ddb('query', t, '--key-condition', 'g = :g', '--filter', 'color = :c', '--projection', 'n, w',
                   '--values', '{":g": {"S": "a"}, ":c": {"S": "red"}}', '--page-size', '4')
    got = lines(out)
    want = [{'n': i['n'], 'w': i['w']} for i in items if i['g'] == 'a' and i['color'] == 'red']
    check(got == want, 'query with filter and projection on every page (8 pages)', (got, want))
    check(err == '', 'no progress line when piped', err)
    out, _ = ddb('query', t, '--key-condition', 'g = :g AND n BETWEEN :lo AND :hi', '--values',
                 '{":g": {"S": "b"}, ":lo": {"N": "5"}, ":hi": {"N": "20"}}', '--descending', '--page-size', '3',
                 '--limit', '7', '--projection', 'n')
    check([x['n'] for x in lines(out)] == [20, 19, 18, 17, 16, 15, 14], 'descending query with --limit', out)
    out, _ = ddb('query', t, '--index', 'by_color', '--key-condition', 'color = :c', '--values',
                 '{":c": {"S": "blue"}}', '--page-size', '2', '--projection', 'g, n')
    got = sorted((x['g'], x['n']) for x in lines(out))
    check(got == sorted((i['g'], i['n']) for i in items if i['color'] == 'blue'), 'query of an index', out)
    out, _ = ddb('query', t, '--key-condition', '#g = :g', '--names', '{"#g": "g"}', '--values',
                 '{":g": {"S": "a"}}', '--consistent', '--ddb-json', '--limit', '2')
    got = lines(out)
    check(len(got) == 2 and got[0]['g'] == {'S': 'a'} and got[0]['n'] == {'N': '0'}, 'query --ddb-json', out)

    # scan: filter + projection over pages of 5, parallel segments, limit
    out, _ = ddb('scan', t, '--filter', 'w >= :w AND color <> :c', '--projection', 'g, n, color', '--values',
                 '{":w": {"N": "150"}, ":c": {"S": "green"}}', '--page-size', '5')
    got = sorted((x['g'], x['n'], x['color']) for x in lines(out))
    want = sorted((i['g'], i['n'], i['color']) for i in items if i['w'] >= 150 and i['color'] != 'green')
    check(got == want, 'scan with filter and projection on every page (12 pages)', (got, want))
    check(all(set(x) == {'g', 'n', 'color'} for x in lines(out)), 'projection on every page')
    out, _ = ddb('scan', t, '--segments', '4', '--page-size', '7', '--projection', 'g, n')
    got = sorted((x['g'], x['n']) for x in lines(out))
    check(got == sorted((i['g'], i['n']) for i in items), 'parallel scan: every item exactly once', len(got))
    out, _ = ddb('scan', t, '--limit', '11', '--page-size', '4')
    check(len(lines(out)) == 11, 'scan --limit', out)
    out, _ = ddb('scan', t, '--segments', '3', '--limit', '5')
    check(len(lines(out)) == 5, 'parallel scan --limit', out)
    out, _ = ddb('scan', t, '--index', 'by_color', '--projection', 'color', '--limit', '1')
    check(len(lines(out)) == 1 and 'color' in lines(out)[0], 'scan of an index', out)
    _, err = ddb('scan', t, '--filter', 'nope(', rc=1)
    check('Scan on %s' % t in err and 'ValidationException' in err, 'bad filter: the service says why', err)

    # counts
    out, _ = ddb('count', t)
    check(out == '60\n', 'exact count', out)
    out, _ = ddb('count', t, '--filter', 'color = :c', '--values', '{":c": {"S": "red"}}', '--page-size', '7')
    check(out == '20\n', 'exact count with a filter over pages', out)
    out, _ = ddb('count', t, '--segments', '4', '--page-size', '9')
    check(out == '60\n', 'parallel count', out)
    out, _ = ddb('count', t, '--key-condition', 'g = :g AND n < :n', '--values', '{":g": {"S": "b"}, ":n": {"N": "12"}}',
                 '--page-size', '5')
    check(out == '12\n', 'count of a query', out)
    # --approximate is DescribeTable's ItemCount (DynamoDB refreshes it every six hours, dynalite never
    # counts, moto and DynamoDB Local keep it current): compare with the description
    out, _ = ddb('count', t, '--approximate')
    desc = json.loads(ddb('describe', t)[0])['Table']
    check(int(out) == desc['ItemCount'] and 0 <= int(out) <= 60, 'approximate count', (out, desc['ItemCount']))
    if engines.deviates('no_index_item_count'):  # moto: a GSI's description has no ItemCount
        check('ItemCount' not in desc['GlobalSecondaryIndexes'][0], 'no ItemCount for the index', desc)
        _, err = ddb('count', t, '--approximate', '--index', 'by_color', rc=1)
        check('reported no ItemCount for index by_color' in err, 'no made-up count of an index', err)
    else:
        out, _ = ddb('count', t, '--approximate', '--index', 'by_color')
        check(int(out) == desc['GlobalSecondaryIndexes'][0]['ItemCount'], 'approximate count of an index', out)
    _, err = ddb('count', t, '--approximate', '--index', 'nope', rc=1)
    check('has no index nope' in err, 'approximate count of a missing index', err)

    # a set in the middle of a scan: the lines before it are written, then exit 1 naming it
    ddb('put', t, '{"g": {"S": "c"}, "n": {"N": "0"}, "color": {"S": "x"}, "s": {"NS": ["1"]}}', '--ddb-json')
    out, err = ddb('query', t, '--key-condition', 'g = :g', '--values', '{":g": {"S": "c"}}', rc=1)
    check(out == '' and 'attribute "s" is NS' in err, 'scan output refuses sets', err)
    out, _ = ddb('query', t, '--key-condition', 'g = :g', '--values', '{":g": {"S": "c"}}', '--ddb-json')
    check(lines(out)[0]['s'] == {'NS': ['1']}, 'with --ddb-json it prints', out)
    return t, items


# ------------------------------------------------------------------ dump, load

def scan_all(table, region='us-east-1', **kw):
    out, _ = ddb('scan', table, '--ddb-json', '--consistent', region=region, **kw)
    return sorted(json.dumps(x, sort_keys=True) for x in lines(out))


def test_dump_load(src):
    section('dump, load')
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, 'dump.jsonl')
    with open(path, 'w') as f:
        f.write('old contents\n')
    out, err = ddb('dump', src, path, '--page-size', '6')
    check(out == '' and err == '', 'dump to a file prints nothing when piped', err)
    text = open(path).read()
    check(all(set(json.loads(line)) == {'Item'} for line in text.splitlines()), 'export format lines')
    check(len(text.splitlines()) == 61, 'every item dumped', len(text.splitlines()))
    check(sorted(os.listdir(tmp)) == ['dump.jsonl'], 'no temporary file left', os.listdir(tmp))
    out, _ = ddb('dump', src, '-', '--segments', '3')
    check(sorted(out.splitlines()) == sorted(text.splitlines()), 'dump to standard output, parallel')
    out2, _ = ddb('dump', src)
    check(sorted(out2.splitlines()) == sorted(text.splitlines()), 'dump without FILE')
    # a failed dump leaves the previous file alone
    ddb('dump', P + 'missing', path, rc=1)
    check(open(path).read() == text and sorted(os.listdir(tmp)) == ['dump.jsonl'], 'failed dump kept the file')

    dst = P + 'loaded'
    with tempfile.NamedTemporaryFile('w', suffix='.yaml', delete=False) as f:
        f.write('version: 1\nprefix: r\nmodels:\n  m:\n    table: %s\n    keys: {hash: g, range: n}\n'
                '    attributes:\n      g: {type: string}\n      n: {type: int64}\n' % dst)
        schema = f.name
    try:
        ddb('create-tables', schema)
    finally:
        os.unlink(schema)
    CREATED.append((dst, 'us-east-1'))
    ddb('load', dst, path)
    check(scan_all(dst) == scan_all(src), 'dump then load: the same items')
    # from standard input, into a fresh table, with a bad line and --keep-going
    dst2 = P + 'loaded2'
    create_simple(dst2, range_key='N')
    good = '{"Item":{"pk":{"S":"x"},"sk":{"N":"1"}}}\n'
    bad = '{"Item":{"pk":{"S":"x"},"sk":{"N":"2"}}\n'  # unbalanced
    wrong = '{"Item":{"pk":{"N":"5"},"sk":{"N":"3"}}}\n'  # a key of the wrong type
    more = '{"Item":{"pk":{"S":"y"},"sk":{"N":"4"}}}\n'
    _, err = ddb('load', dst2, '-', stdin=good + bad + more, rc=1)
    check('<stdin>:2:' in err and 'stopped at the first line that failed' in err, 'bad line stops the load', err)
    _, err = ddb('load', dst2, '--keep-going', stdin=good + bad + wrong + more, rc=1)
    check('<stdin>:2:' in err and '<stdin>:3:' in err and '2 lines not loaded' in err, '--keep-going', err)
    got = sorted((x['pk'], x['sk']) for x in lines(ddb('scan', dst2)[0]))
    check(got == [('x', 1), ('y', 4)], 'the good lines were loaded', got)
    _, err = ddb('load', dst2, os.path.join(tmp, 'none.jsonl'), rc=1)
    check('cannot open' in err, 'load of a missing file', err)
    os.unlink(path)
    os.rmdir(tmp)


# ------------------------------------------------------------------ copy

def write_profiles(tmp):
    cfg = os.path.join(tmp, 'config')
    creds = os.path.join(tmp, 'credentials')
    key = os.environ.get('AWS_ACCESS_KEY_ID', 'AKIDDDBCLOCALTEST')
    secret = os.environ.get('AWS_SECRET_ACCESS_KEY', 'ddbc-local-test-secret')
    with open(cfg, 'w') as f:
        f.write('[profile europe]\nregion = eu-west-1\n[profile usa]\nregion = us-east-1\n')
    with open(creds, 'w') as f:
        f.write('[europe]\naws_access_key_id = %s\naws_secret_access_key = %s\n'
                '[usa]\naws_access_key_id = %s\naws_secret_access_key = %s\n' % (key, secret, key, secret))
    env = dict(os.environ, AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=creds)
    for v in ('AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'):
        env.pop(v, None)
    return env


def test_copy(src):
    section('copy between regions; profiles')
    dst = P + 'copy'
    # --create-table makes the destination like the source (keys and index)
    _, err = ddb('copy', src, dst, '--to-region', 'eu-west-1', '--create-table', '--page-size', '8')
    CREATED.append((dst, 'eu-west-1'))
    check('created table %s like %s' % (dst, src) in err, 'copy --create-table note', err)
    check(scan_all(dst, region='eu-west-1') == scan_all(src), 'copy: the same items in eu-west-1')
    desc = json.loads(ddb('describe', dst, region='eu-west-1')[0])['Table']
    check([k['AttributeName'] for k in desc['KeySchema']] == ['g', 'n'], 'copied key schema', desc)
    check([i['IndexName'] for i in desc.get('GlobalSecondaryIndexes', [])] == ['by_color'], 'copied index', desc)
    one_region = engines.deviates('one_region')  # dynalite: every region is one database
    arn_region = 'ddblocal' if engines.deviates('arn_region') else 'us-east-1' if one_region else 'eu-west-1'
    check(':%s:' % arn_region in desc['TableArn'], 'in eu-west-1 (its ARN)', desc)
    ddb('describe', dst, rc=0 if one_region else 1)  # not in us-east-1: the regions are apart
    names = json.loads(ddb('list-tables', region='eu-west-1')[0])['TableNames']
    check(dst in names and (src in names) == one_region, 'list-tables of eu-west-1', names)

    # back again through profiles: the destination's region comes from its profile
    tmp = tempfile.mkdtemp()
    env = write_profiles(tmp)
    try:
        back = P + 'back'
        _, err = ddb('copy', dst, back, '--from-profile', 'europe', '--to-profile', 'usa', '--segments', '2',
                     '--create-table', env=env, region=None)
        CREATED.append((back, 'us-east-1'))
        check('created table %s' % back in err, 'created in us-east-1, the region of profile usa', err)
        check(scan_all(back) == scan_all(src), 'copy with --from-profile/--to-profile (regions from the profiles)')
        # a global --profile gives the region of every command
        out, _ = ddb('list-tables', '--profile', 'europe', env=env, region=None)
        check(dst in json.loads(out)['TableNames'], '--profile: its region', out)
        out, _ = ddb('count', dst, '--profile', 'europe', env=env, region=None)
        check(out == '61\n', '--profile count', out)
        # --region wins over the profile's
        out, _ = ddb('list-tables', '--profile', 'europe', env=env, region='us-east-1')
        check((dst in json.loads(out)['TableNames']) == one_region, '--region over the profile', out)
        _, err = ddb('list-tables', '--profile', 'nosuch', env=env, region='us-east-1', rc=1)
        check('nosuch' in err, 'unknown profile', err)
    finally:
        for n in os.listdir(tmp):
            os.unlink(os.path.join(tmp, n))
        os.rmdir(tmp)
    # copy into a missing table without --create-table fails, naming the destination
    _, err = ddb('copy', src, P + 'nowhere', '--to-region', 'eu-west-1', rc=1)
    check('BatchWriteItem' in err and 'ResourceNotFoundException' in err, 'copy into a missing table', err)
    # copy from a missing table
    _, err = ddb('copy', P + 'nowhere', dst, '--to-region', 'eu-west-1', rc=1)
    check(('reading %snowhere' % P) in err and 'ResourceNotFoundException' in err, 'copy from a missing table', err)
    # endpoints: the same endpoint given explicitly on both sides
    n0 = scan_all(dst, region='eu-west-1')
    ddb('copy', src, dst, '--from-endpoint-url', ENDPOINT, '--to-endpoint-url', ENDPOINT, '--to-region',
        'eu-west-1')
    check(scan_all(dst, region='eu-west-1') == n0, 'copy with --from/--to-endpoint-url is idempotent')


# ------------------------------------------------------------------ schemas

def test_schemas():
    section('create-tables, delete-tables')
    schema = os.path.join(SRC_ROOT, 'tests', 'schema', 'valid', 'forum.yaml')
    out, _ = ddb('create-tables', schema, '--table-prefix', P, '--dry-run', endpoint=False)
    plan = json.loads(out)
    check([list(r) for r in plan] == [['CreateTable'], ['CreateTable']], 'dry run: two CreateTable requests', plan)
    thread, reply = [r['CreateTable'] for r in plan]
    check([thread['TableName'], reply['TableName']] == [P + 'Thread', P + 'Reply'], 'dry run tables', plan)
    check(thread['AttributeDefinitions'] == [{'AttributeName': n, 'AttributeType': t} for n, t in
                                             (('forum', 'S'), ('subject', 'S'), ('views', 'N'), ('score', 'N'))],
          'attribute definitions', thread)
    check(thread['BillingMode'] == 'PAY_PER_REQUEST' and reply['BillingMode'] == 'PROVISIONED'
          and reply['ProvisionedThroughput'] == {'ReadCapacityUnits': 5, 'WriteCapacityUnits': 10}, 'billing', plan)
    check([i['IndexName'] for i in thread['GlobalSecondaryIndexes']] == ['by_views', 'by_score']
          and thread['GlobalSecondaryIndexes'][1]['Projection'] == {'ProjectionType': 'INCLUDE',
                                                                   'NonKeyAttributes': ['views', 'open']}
          and [i['IndexName'] for i in thread['LocalSecondaryIndexes']] == ['local_views'], 'indexes', thread)
    check(thread['StreamSpecification'] == {'StreamEnabled': True, 'StreamViewType': 'NEW_AND_OLD_IMAGES'},
          'stream', thread)
    ddb('describe', P + 'Thread', rc=1)  # the dry run sent nothing
    rich = os.path.join(SRC_ROOT, 'tests', 'integration', 'rich.yaml')
    out, _ = ddb('create-tables', rich, '--dry-run', endpoint=False)
    plan = json.loads(out)
    check([list(r)[0] for r in plan] == ['CreateTable', 'CreateTable', 'UpdateTimeToLive']
          and plan[2]['UpdateTimeToLive'] == {'TableName': 'Posts', 'TimeToLiveSpecification':
                                              {'AttributeName': 'expires', 'Enabled': True}},
          'dry run: TTL enabled after the table is created', plan)
    out, _ = ddb('create-tables', schema, '--table-prefix', P)
    check(out == 'created %sThread\ncreated %sReply\n' % (P, P), 'create-tables output', out)
    CREATED.extend([(P + 'Thread', 'us-east-1'), (P + 'Reply', 'us-east-1')])
    desc = json.loads(ddb('describe', P + 'Thread')[0])['Table']
    # AWS's answer as it came, members libddb does not model included (every engine sends this one)
    check('NumberOfDecreasesToday' in desc['ProvisionedThroughput'], 'describe keeps every member', desc)
    check(desc['TableStatus'] == 'ACTIVE', 'waited for ACTIVE', desc)
    check(sorted((d['AttributeName'], d['AttributeType']) for d in desc['AttributeDefinitions']) ==
          [('forum', 'S'), ('score', 'N'), ('subject', 'S'), ('views', 'N')], 'created definitions', desc)
    check(sorted(i['IndexName'] for i in desc['GlobalSecondaryIndexes']) == ['by_score', 'by_views'] and
          [i['IndexName'] for i in desc['LocalSecondaryIndexes']] == ['local_views'], 'created indexes', desc)
    gsi = {i['IndexName']: i for i in desc['GlobalSecondaryIndexes']}
    check(gsi['by_score']['Projection']['ProjectionType'] == 'INCLUDE' and
          sorted(gsi['by_score']['Projection']['NonKeyAttributes']) == ['open', 'views'], 'INCLUDE projection', gsi)
    check(desc['BillingModeSummary']['BillingMode'] == 'PAY_PER_REQUEST', 'created billing', desc)
    if not engines.deviates('no_streams'):
        check(desc.get('StreamSpecification', {}).get('StreamViewType') == 'NEW_AND_OLD_IMAGES', 'stream', desc)
    rdesc = json.loads(ddb('describe', P + 'Reply')[0])['Table']
    check(rdesc['ProvisionedThroughput']['ReadCapacityUnits'] == 5 and
          rdesc['ProvisionedThroughput']['WriteCapacityUnits'] == 10, 'provisioned capacity', rdesc)
    # again: the tables exist
    _, err = ddb('create-tables', schema, '--table-prefix', P, rc=1)
    check('CreateTable on %sThread' % P in err, 'creating an existing table fails', err)
    out, _ = ddb('create-tables', schema, '--table-prefix', P, '--if-not-exists')
    check(out == 'exists %sThread\nexists %sReply\n' % (P, P), '--if-not-exists', out)

    # several schemas: TTL, a subclass sharing its base's table, and the status tracker's GSIs
    tracker = os.path.join(SRC_ROOT, 'schemas', 'status_tracker.yaml')
    no_ttl = engines.deviates('no_ttl')  # dynalite: UpdateTimeToLive does not exist
    out, err = ddb('create-tables', rich, tracker, '--table-prefix', P, '--no-wait', rc=1 if no_ttl else 0)
    check(out == 'created %sPosts\ncreated %sAnimals\ncreated %sStatusTracker\n' % (P, P, P), 'several schemas', out)
    check(('enabling TTL: UpdateTimeToLive on %sPosts' % P in err) == no_ttl, 'TTL enabled, or the failure says so',
          err)
    CREATED.extend([(P + 'Posts', 'us-east-1'), (P + 'Animals', 'us-east-1'), (P + 'StatusTracker', 'us-east-1')])
    posts_answer = json.loads(ddb('describe', P + 'Posts')[0])
    check(set(posts_answer) == {'Table', 'TimeToLiveDescription'}, 'describe: DescribeTable and DescribeTimeToLive',
          posts_answer)
    posts = posts_answer['Table']
    check(sorted((d['AttributeName'], d['AttributeType']) for d in posts['AttributeDefinitions']) ==
          [('at', 'S'), ('id', 'S'), ('kind_hint', 'S'), ('score', 'N')], 'Posts definitions', posts)
    ttl = posts_answer['TimeToLiveDescription']
    if no_ttl:
        check(ttl.get('TimeToLiveStatus') == 'DISABLED', 'TTL (dynalite: always DISABLED)', posts)
    else:
        check(ttl == {'TimeToLiveStatus': 'ENABLED', 'AttributeName': 'expires'}, 'TTL enabled', posts)
    animals_answer = json.loads(ddb('describe', P + 'Animals')[0])
    animals = animals_answer['Table']
    check(animals['AttributeDefinitions'] == [{'AttributeName': 'id', 'AttributeType': 'S'}],
          'Animals: the subclass shares the table', animals)
    check(animals_answer['TimeToLiveDescription'].get('TimeToLiveStatus') == 'DISABLED',
          'Animals: no TTL', animals)
    tr = json.loads(ddb('describe', P + 'StatusTracker')[0])['Table']
    check(sorted(i['IndexName'] for i in tr['GlobalSecondaryIndexes']) == ['by_status', 'runnable'], 'tracker', tr)

    # a schema with errors: ddbc's messages, nothing touched
    with tempfile.NamedTemporaryFile('w', suffix='.yaml', delete=False) as f:
        f.write('version: 1\nprefix: bad\nmodels:\n  m:\n    table: %sBad\n    keys: {hash: nope}\n'
                '    attributes:\n      id: {type: string}\n' % P)
        bad = f.name
    try:
        _, err = ddb('create-tables', bad, rc=1)
        check((bad + ':6:') in err and 'no table was touched' in err, 'schema errors as file:line:col', err)
    finally:
        os.unlink(bad)
    ddb('describe', P + 'Bad', rc=1)

    # delete-tables
    out, _ = ddb('delete-tables', rich, tracker, '--table-prefix', P)
    check(out == 'deleted %sPosts\ndeleted %sAnimals\ndeleted %sStatusTracker\n' % (P, P, P), 'delete-tables', out)
    ddb('describe', P + 'Posts', rc=1)
    _, err = ddb('delete-tables', rich, '--table-prefix', P, rc=1)
    check('DeleteTable on %sPosts' % P in err and 'ResourceNotFoundException' in err, 'deleting a missing table', err)
    out, _ = ddb('delete-tables', rich, '--table-prefix', P, '--if-exists')
    check(out == 'absent %sPosts\nabsent %sAnimals\n' % (P, P), '--if-exists', out)
    out, _ = ddb('delete-tables', schema, '--table-prefix', P)
    check(out == 'deleted %sThread\ndeleted %sReply\n' % (P, P), 'delete the forum tables', out)


# ------------------------------------------------------------------ progress

def run_on_terminal(args):
    """Runs ddb with stderr on a pseudo-terminal and stdout to a pipe;
    returns (exit status, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    # stdout to a file, not a pipe: nothing reads a pipe until the end, and
    # a full pipe would stop ddb while this loop waits for the terminal
    sink = tempfile.TemporaryFile()
    # the line is drawn from the first page on (not after half a second), whatever the engine's speed
    env = dict(os.environ, DDB_PROGRESS_AFTER_MS='0')
    p = subprocess.Popen(WRAPPER + [DDB] + args + base_args(), stdout=sink, stderr=slave, stdin=subprocess.DEVNULL,
                         env=env)
    os.close(slave)
    tty = b''
    while True:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            tty += chunk
        elif p.poll() is not None:
            break
    p.wait()
    os.close(master)
    sink.seek(0)
    out = sink.read()
    sink.close()
    return p.returncode, out.decode(), tty.decode(errors='replace')


def test_progress():
    section('progress line on a terminal')
    t = P + 'progress'
    create_simple(t)
    n = 500
    with tempfile.NamedTemporaryFile('w', suffix='.jsonl', delete=False) as f:
        for i in range(n):
            f.write('{"Item":{"pk":{"S":"k%d"},"v":{"S":"%s"}}}\n' % (i, 'x' * 100))
        path = f.name
    try:
        rc, out, tty = run_on_terminal(['load', t, path])
        check(rc == 0 and out == '' and ('loaded %d items into %s' % (n, t)) in tty, 'load: summary', (rc, tty))
    finally:
        os.unlink(path)
    # one item per request: 500 requests, a line drawn after the first
    rc, out, tty = run_on_terminal(['dump', t, '-', '--page-size', '1'])
    check(rc == 0 and len(out.splitlines()) == n, 'dump with stderr on a terminal', (rc, tty[-500:]))
    check(('\r\x1b[Kdump %s: ' % t) in tty and ' items, ' in tty and '/s, ' in tty, 'dump: progress line with rate',
          tty[-500:])
    # a percentage and an ETA when DescribeTable's ItemCount gives a total (dynalite's stays 0)
    known = json.loads(ddb('describe', t)[0])['Table']['ItemCount'] > 0
    check(('%, ETA ' in tty) == known, 'dump: ETA exactly when the total is known (%s)' % known, tty[-500:])
    # the pages: n, or n + 1 when the engine sends a last, empty page (DynamoDB does)
    check(re.search(r'\r\x1b\[Kddb: dumped %d items of %s \((%d|%d) pages, \d+ bytes\)\r?\n$' % (n, re.escape(t), n, n + 1),
                    tty) is not None, 'dump: the line erased, then the summary', tty[-300:])
    rc, out, tty = run_on_terminal(['count', t, '--page-size', '1'])
    check(rc == 0 and out == '%d\n' % n, 'count on a terminal', (rc, out))
    check(('\r\x1b[Kcount %s: ' % t) in tty and 'scanned)' in tty and tty.endswith('\r\x1b[K'),
          'count: progress line, erased at the end', tty[-300:])
    rc, out, tty = run_on_terminal(['scan', t, '--page-size', '1', '--projection', 'pk'])
    check(rc == 0 and len(out.splitlines()) == n and ('\r\x1b[Kscan %s: ' % t) in tty,
          'scan to a pipe: progress on the terminal', tty[-300:])
    rc, out, tty = run_on_terminal(['dump', t, '-', '--page-size', '1', '--quiet'])
    check(rc == 0 and len(out.splitlines()) == n and tty == '', '--quiet: nothing on the terminal', tty[-300:])
    # and with stderr piped (every other test): nothing either
    out, err = ddb('count', t, '--page-size', '1')
    check(out == '%d\n' % n and err == '', 'stderr piped: no progress line', err)


# ------------------------------------------------------------------ main

def cleanup():
    by_region = {}
    for table, region in CREATED:
        by_region.setdefault(region, []).append(table)
    for region, tables in by_region.items():
        for t in tables:
            with tempfile.NamedTemporaryFile('w', suffix='.yaml', delete=False) as f:
                f.write('version: 1\nprefix: x\nmodels:\n  m:\n    table: %s\n    keys: {hash: k}\n'
                        '    attributes:\n      k: {type: string}\n' % t)
                path = f.name
            subprocess.run([DDB, 'delete-tables', path, '--if-exists', '--no-wait'] + base_args(region),
                           capture_output=True)
            os.unlink(path)


def main():
    global DDB, ENDPOINT, WRAPPER_LOGS
    if len(sys.argv) != 2:
        print('usage: test_cli.py PATH/TO/ddb', file=sys.stderr)
        return 2
    DDB = os.path.abspath(sys.argv[1])
    if WRAPPER and os.path.basename(WRAPPER[0]) == 'valgrind':
        WRAPPER_LOGS = tempfile.mkdtemp(prefix='ddb-cli-valgrind-')
        WRAPPER.extend(['-q', '--log-file=' + os.path.join(WRAPPER_LOGS, 'ddb.%p')])
    ENDPOINT = os.environ.get('DDB_TEST_ENDPOINT')
    if not ENDPOINT:
        print('test_cli.py: DDB_TEST_ENDPOINT is not set (scripts/test.sh sets it); failing, not skipping',
              file=sys.stderr)
        return 1
    try:
        test_usage()
        test_items()
        table, _ = test_reads()
        test_dump_load(table)
        test_copy(table)
        test_schemas()
        test_progress()
    except Failure as e:
        print('FAIL: %s' % e, file=sys.stderr)
        return 1
    finally:
        cleanup()
        if WRAPPER_LOGS is not None:
            shutil.rmtree(WRAPPER_LOGS, ignore_errors=True)
    print('test_cli.py: %d checks passed' % CHECKS)
    return 0


if __name__ == '__main__':
    sys.exit(main())
