#!/usr/bin/env python3
"""libddb over TLS against a real engine: moto server serving https.

  test_tls.py PATH/TO/ddb

Starts its own moto server (scripts/moto_server.py, the engine's launcher)
with a certificate chain made here — a certificate authority and a server
certificate for localhost and 127.0.0.1 signed by it — and drives it with
`ddb`, which sends https itself (libddb's native transport, OpenSSL), not
through libcurl. moto's server closes every connection, so each request
makes a new TLS connection, resuming the session of the previous one.

Checked: tables created, items written, read, scanned, dumped and loaded
over https (answers of many TLS records: a scan of 400 items of 2 KB),
by IP address and by host name; the certificate refused without the CA
(with libddb's own message, proving the native path), with a CA that did
not sign it, and accepted with --ca-bundle, AWS_CA_BUNDLE, a profile's
ca_bundle, or --no-verify-ssl; plain HTTP to another machine refused
unless --allow-plain-http. Needs PYTHON (scripts/test.sh sets it) with
moto and cryptography (a moto dependency); fails, never skips, without.
"""
import datetime
import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Checks  # noqa: E402

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
except ImportError:  # meson's python3 may not be the one with moto
    other = os.environ.get('PYTHON')
    if other and os.path.realpath(other) != os.path.realpath(sys.executable) and not os.environ.get('DDB_TLS_REEXEC'):
        os.environ['DDB_TLS_REEXEC'] = '1'
        os.execvp(other, [other] + sys.argv)
    print('FAIL: the python running this test has no cryptography module (set PYTHON)', file=sys.stderr)
    sys.exit(1)

SRC_ROOT = os.environ.get('DDB_SOURCE_ROOT') or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
WRAPPER = shlex.split(os.environ.get('DDB_TEST_C_WRAPPER', ''))
check = Checks()


def make_chain(d):
    """A CA, a server certificate it signs (localhost, 127.0.0.1), and a
    second CA that signs nothing here."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def cert(subject, issuer, key, signer, ca, san=None):
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
             .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
             .not_valid_after(now + datetime.timedelta(days=1))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if san is not None:
            b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return b.sign(signer, hashes.SHA256())

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    import ipaddress
    ca_key, other_key, key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = cert(name('ddbc test CA'), name('ddbc test CA'), ca_key, ca_key, True)
    other = cert(name('another CA'), name('another CA'), other_key, other_key, True)
    server = cert(name('localhost'), ca.subject, key, ca_key, False,
                  [x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))])
    paths = {n: os.path.join(d, n + '.pem') for n in ('ca', 'other', 'cert', 'key')}
    for n, c in (('ca', ca), ('other', other), ('cert', server)):
        with open(paths[n], 'wb') as f:
            f.write(c.public_bytes(serialization.Encoding.PEM))
    with open(paths['key'], 'wb') as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_moto(paths, log):
    python = os.environ.get('PYTHON') or sys.executable
    for _ in range(5):  # another process may take the port in between
        port = free_port()
        proc = subprocess.Popen([python, os.path.join(SRC_ROOT, 'scripts', 'moto_server.py'), '-H', '127.0.0.1',
                                 '-p', str(port), '-c', paths['cert'], '-k', paths['key']],
                                stdout=log, stderr=log)
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            try:
                socket.create_connection(('127.0.0.1', port), timeout=1).close()
                return proc, port
            except OSError:
                time.sleep(0.2)
        proc.kill()
        proc.wait()
    raise SystemExit('FAIL: moto server did not start over TLS (log: %s)' % log.name)


def main():
    if len(sys.argv) != 2:
        raise SystemExit('usage: test_tls.py PATH/TO/ddb')
    ddb_exe = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix='ddb-tls-')
    paths = make_chain(tmp)
    log = open(os.path.join(tmp, 'moto.log'), 'w')
    proc, port = start_moto(paths, log)
    base_env = {k: v for k, v in os.environ.items() if k not in ('AWS_CA_BUNDLE', 'AWS_PROFILE', 'http_proxy',
                                                                 'https_proxy', 'HTTPS_PROXY', 'all_proxy',
                                                                 'ALL_PROXY')}
    base_env.setdefault('AWS_ACCESS_KEY_ID', 'AKIDDDBCLOCALTEST')
    base_env.setdefault('AWS_SECRET_ACCESS_KEY', 'ddbc-local-test-secret')
    base_env['AWS_REGION'] = 'us-east-1'
    table = 'tls%d' % os.getpid()

    def ddb(*args, rc=0, endpoint='https://127.0.0.1:%d' % port, env=None, stdin=None):
        e = dict(base_env)
        e.update(env or {})
        cmd = WRAPPER + [ddb_exe, '--endpoint-url', endpoint] + list(args)
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=e, timeout=600)
        check(p.returncode == rc, 'ddb %s: exit %d, expected %d' % (' '.join(args), p.returncode, rc), p.stderr)
        return p.stdout, p.stderr

    try:
        schema = os.path.join(tmp, 'tls.yaml')
        with open(schema, 'w') as f:
            f.write('version: 1\nprefix: tls\nmodels:\n  doc:\n    table: %s\n'
                    '    keys: {hash: id, range: n}\n'
                    '    attributes:\n      id: {type: string}\n      n: {type: int64}\n'
                    '      body: {type: string}\n' % table)
        ca = ['--ca-bundle', paths['ca']]

        # refused: no CA (the system's do not know it), a CA that did not sign it
        _, err = ddb('list-tables', rc=1)
        check("the server's TLS certificate is refused" in err, 'refused by libddb itself, not libcurl', err)
        check('unable to get local issuer certificate' in err, 'the reason is given', err)
        _, err = ddb('--ca-bundle', paths['other'], 'list-tables', rc=1)
        check("the server's TLS certificate is refused" in err, 'a CA that did not sign it', err)
        _, err = ddb('--ca-bundle', os.path.join(tmp, 'missing.pem'), 'list-tables', rc=1)
        check('cannot load the CA certificates' in err and 'missing.pem' in err, 'a missing CA file is named', err)

        # accepted: --ca-bundle (by address and by name), AWS_CA_BUNDLE, a profile, --no-verify-ssl
        out, err = ddb(*ca, 'create-tables', schema)
        check('created ' + table in out + err, 'create-tables over https', out + err)
        out, _ = ddb(*ca, 'list-tables', endpoint='https://localhost:%d' % port)
        check(table in json.loads(out)['TableNames'], 'list-tables by host name', out)
        out, _ = ddb('list-tables', env={'AWS_CA_BUNDLE': paths['ca']})
        check(table in json.loads(out)['TableNames'], 'AWS_CA_BUNDLE', out)
        config = os.path.join(tmp, 'config')
        with open(config, 'w') as f:
            f.write('[profile tls]\nregion = us-east-1\naws_access_key_id = AKIDDDBCLOCALTEST\n'
                    'aws_secret_access_key = ddbc-local-test-secret\nca_bundle = %s\n' % paths['ca'])
        out, _ = ddb('--profile', 'tls', 'list-tables', env={'AWS_CONFIG_FILE': config})
        check(table in json.loads(out)['TableNames'], "--profile with ca_bundle", out)
        out, _ = ddb('list-tables', env={'AWS_CONFIG_FILE': config, 'AWS_PROFILE': 'tls'})
        check(table in json.loads(out)['TableNames'], "AWS_PROFILE with ca_bundle", out)
        out, _ = ddb('--no-verify-ssl', 'list-tables')
        check(table in json.loads(out)['TableNames'], '--no-verify-ssl', out)

        # items: one by one, then 400 of 2 KB through load, scan, count and dump
        ddb(*ca, 'put', table, json.dumps({'id': 'a', 'n': 1, 'body': 'é\u20ac"\\\n'}))
        out, _ = ddb(*ca, 'get', table, json.dumps({'id': 'a', 'n': 1}))
        check(json.loads(out) == {'id': 'a', 'n': 1, 'body': 'é\u20ac"\\\n'}, 'get over https', out)
        ddb(*ca, 'delete', table, json.dumps({'id': 'a', 'n': 1}))
        ddb(*ca, 'get', table, json.dumps({'id': 'a', 'n': 1}), rc=3)
        items = [{'id': 'p%d' % (i % 7), 'n': i, 'body': ('%04d' % i) * 512} for i in range(400)]
        lines = ''.join(json.dumps({'Item': {'id': {'S': it['id']}, 'n': {'N': str(it['n'])},
                                             'body': {'S': it['body']}}}) + '\n' for it in items)
        ddb(*ca, '--quiet', 'load', table, '-', stdin=lines)
        out, _ = ddb(*ca, 'count', table)
        check(out.strip() == '400', 'count after load', out)
        out, _ = ddb(*ca, 'scan', table, endpoint='https://localhost:%d' % port)
        got = sorted((json.loads(line) for line in out.splitlines()), key=lambda it: it['n'])
        check(got == items, 'a scan of 400 items of 2 KB returns them whole', len(got))
        out, _ = ddb(*ca, 'dump', table)
        key = lambda it: int(it['Item']['n']['N'])  # noqa: E731
        check(sorted(map(json.loads, out.splitlines()), key=key) == sorted(map(json.loads, lines.splitlines()), key=key),
              'dump equals what was loaded')
        ddb(*ca, 'delete-tables', schema)

        # plain HTTP to another machine: refused unless allowed (10.255.255.1
        # is not this machine; allowed, the request goes out and fails
        # however that network answers)
        _, err = ddb('list-tables', rc=1, endpoint='http://10.255.255.1:9')
        check('plain HTTP to another machine' in err, 'plain HTTP elsewhere is refused', err)
        _, err = ddb('--allow-plain-http', 'list-tables', rc=1, endpoint='http://10.255.255.1:9')
        check('plain HTTP' not in err and 'ListTables' in err, '--allow-plain-http allows it', err)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    status = check.summary()
    if status:
        with open(log.name) as f:
            sys.stderr.write(f.read()[-3000:])
        sys.exit(1)


if __name__ == '__main__':
    main()
