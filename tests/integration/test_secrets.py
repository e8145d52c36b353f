#!/usr/bin/env python3
"""Secrets never appear in what `ddb` prints: every command, successes and
failures, against the engine under test.

  test_secrets.py PATH/TO/ddb

Every `ddb` runs with a distinctive secret access key and session token
(and, where a command takes them, a password in an endpoint URL, a token
in a credential_process command line and in a credentials file); stdout
and stderr of each run are searched for them, whole and in the forms a
careless message would print (the first 16 characters, URL-encoded). The
commands are the CLI's whole surface: tables, items, reads, counts, dump
and load, copy, create/delete-tables (also --dry-run, which prints the
requests libddb would send), and failures (a missing table, a refused
condition, an unreachable endpoint, a bad profile, a failing
credential_process). Needs DDB_TEST_ENDPOINT; fails, never skips, without.
"""
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Checks  # noqa: E402

WRAPPER = shlex.split(os.environ.get('DDB_TEST_C_WRAPPER', ''))
SRC_ROOT = os.environ.get('DDB_SOURCE_ROOT') or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
SECRET = 'SecretKey' + secrets.token_hex(12)
TOKEN = 'SessionToken' + secrets.token_hex(12)
ARG_SECRET = 'ArgSecret' + secrets.token_hex(8)
URL_PASSWORD = 'UrlPassword' + secrets.token_hex(8)
check = Checks()


def forms(s):
    return {s, s[:16], urllib.parse.quote(s), s.lower(), s.upper()}


ALL = set().union(*(forms(s) for s in (SECRET, TOKEN, ARG_SECRET, URL_PASSWORD)))


def main():
    if len(sys.argv) != 2:
        raise SystemExit('usage: test_secrets.py PATH/TO/ddb')
    ddb_exe = os.path.abspath(sys.argv[1])
    endpoint = os.environ.get('DDB_TEST_ENDPOINT')
    if not endpoint:
        raise SystemExit('FAIL: DDB_TEST_ENDPOINT is not set (scripts/test.sh starts the engine)')
    tmp = tempfile.mkdtemp(prefix='ddb-secrets-')
    env = dict(os.environ)
    env.update({'AWS_ACCESS_KEY_ID': 'AKIDSECRETSTEST', 'AWS_SECRET_ACCESS_KEY': SECRET,
                'AWS_SESSION_TOKEN': TOKEN, 'AWS_REGION': 'us-east-1'})
    table = 'sec%d' % os.getpid()

    def ddb(*args, rc=None, stdin=None, extra_env=None, ep=endpoint):
        e = dict(env)
        e.update(extra_env or {})
        cmd = WRAPPER + [ddb_exe] + (['--endpoint-url', ep] if ep else []) + list(args)
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=e, timeout=600)
        if rc is not None:
            check(p.returncode == rc, 'ddb %s: exit %d, expected %d' % (' '.join(args), p.returncode, rc), p.stderr)
        out = p.stdout + p.stderr
        if WRAPPER:
            # valgrind's own banner echoes the command line (which holds the
            # endpoint URL under test); it is the wrapper's output, not ddb's
            out = re.sub(r'(?m)^==\d+== Command: .*$', '', out)
        leaked = sorted(f for f in ALL if f in out)
        check(not leaked, 'ddb %s prints no secret' % ' '.join(args), leaked)
        return p.stdout

    schema = os.path.join(tmp, 'sec.yaml')
    with open(schema, 'w') as f:
        f.write('version: 1\nprefix: sec\nmodels:\n  doc:\n    table: %s\n    keys: {hash: id, range: n}\n'
                '    attributes:\n      id: {type: string}\n      n: {type: int64}\n      v: {type: string}\n'
                % table)
    try:
        ddb('create-tables', '--dry-run', schema, rc=0)
        ddb('create-tables', schema, rc=0)
        ddb('list-tables', rc=0)
        ddb('describe', table, rc=0)
        ddb('put', table, json.dumps({'id': 'a', 'n': 1, 'v': 'x'}), rc=0)
        ddb('put', table, json.dumps({'id': 'a', 'n': 1, 'v': 'y'}), '--condition', 'attribute_not_exists(id)',
            rc=1)
        ddb('get', table, json.dumps({'id': 'a', 'n': 1}), rc=0)
        ddb('get', table, json.dumps({'id': 'zz', 'n': 1}), rc=3)
        ddb('update', table, json.dumps({'id': 'a', 'n': 1}), '--set', 'v="z"', rc=0)
        ddb('query', table, '--key-condition', 'id = :i', '--values', '{":i": {"S": "a"}}', rc=0)
        ddb('scan', table, rc=0)
        ddb('count', table, rc=0)
        dump = os.path.join(tmp, 'dump.jsonl')
        ddb('dump', table, dump, rc=0)
        ddb('load', table, dump, rc=0)
        ddb('copy', table, table + '_copy', '--create-table', rc=0)
        ddb('describe', table + '_copy', rc=0)
        ddb('delete', table, json.dumps({'id': 'a', 'n': 1}), rc=0)
        ddb('get', 'no-such-table-' + table, json.dumps({'id': 'a'}), rc=1)
        # failures around credentials and endpoints
        ddb('list-tables', rc=1, ep='http://user:%s@127.0.0.1:9/' % URL_PASSWORD)
        ddb('list-tables', rc=1, ep='http://127.0.0.1:9/?X-Amz-Signature=%s' % URL_PASSWORD)
        ddb('list-tables', rc=1, ep='http://127.0.0.1:9')  # nothing listens: a network error
        config = os.path.join(tmp, 'config')
        with open(config, 'w') as f:
            f.write('[profile proc]\nregion = us-east-1\ncredential_process = /bin/false --token %s\n'
                    '[profile bad]\nregion = us-east-1\naws_access_key_id = A\n'
                    'aws_secret_access_key = %s\nrole_arn = not-an-arn\n' % (ARG_SECRET, SECRET))
        none = {'AWS_CONFIG_FILE': config, 'AWS_SHARED_CREDENTIALS_FILE': os.path.join(tmp, 'none'),
                'AWS_ACCESS_KEY_ID': '', 'AWS_SECRET_ACCESS_KEY': '', 'AWS_SESSION_TOKEN': ''}
        ddb('--profile', 'proc', 'list-tables', rc=1, extra_env=none)
        ddb('--profile', 'bad', 'list-tables', rc=1, extra_env=none)
        ddb('--profile', 'missing', 'list-tables', rc=1, extra_env=none)
        with open(config, 'w') as f:
            f.write('[profile broken\naws_secret_access_key = %s\n' % SECRET)
        ddb('--profile', 'broken', 'list-tables', rc=1, extra_env=none)
    finally:
        copy_schema = os.path.join(tmp, 'copy.yaml')
        with open(copy_schema, 'w') as f:
            f.write(open(schema).read().replace('table: %s\n' % table, 'table: %s_copy\n' % table))
        ddb('delete-tables', schema, copy_schema)
    sys.exit(check.summary())


if __name__ == '__main__':
    main()
