#!/usr/bin/env python3
"""test_faults.py - the fault-injection proof: nothing lost, nothing
invented, retries as the AWS SDKs' standard mode makes them.

    test_faults.py PATH/TO/fault_client

Needs DDB_TEST_ENDPOINT (scripts/test.sh starts the engine) and a python3
with botocore. Steps:

 1. fault_client creates the tables FaultItems and FaultTxnItems on the
    engine directly.
 2. fault_proxy.py starts in front of the engine with every fault class on
    (500, 503, 429, throttling bodies, resets before and after forwarding,
    stalls past the client's 1 s timeout before and after forwarding,
    corrupted bodies, BatchWrite/BatchGet answers rewritten to report done
    work as unprocessed).
 3. fault_client writes 50,000 items through it (42,000 with the batch
    writer, 6,000 single puts conditioned on the item not existing, 500
    transactions of 4 such puts; three threads sharing one client), then
    reads every item back with the batch getter, and writes down what
    libddb reported for each.
 4. The engine's table is read directly (botocore, not libddb) and held
    against those reports: an item reported written is there with its
    content; an item reported failed is not there (unless the proxy
    itself reported it unprocessed after the engine wrote it, a lie
    DynamoDB never tells); an item reported
    unknown may be either, but if there, with its content; nothing else is
    there; the getter found exactly the items that are there (or reported
    a failure), never a wrong content.
 5. The proxy's log of attempts (amz-sdk-invocation-id, amz-sdk-request)
    shows standard mode: every call's attempts are numbered 1..k with
    k <= 3 and no number twice (no invisible resend); an answer that
    allows no retry is never followed by another attempt; a retryable one
    is, unless it was the third; backoff stays under min(25 ms * 2^n, 20 s).
 6. Against a proxy answering 503 to everything, 150 calls in turn: the
    first 50 make 3 attempts each (100 retries of 5 tokens empty the
    500-token quota), every later call makes exactly one and says
    "[retry quota exhausted]".

Under valgrind (DDB_TEST_C_WRAPPER set) step 3 writes 5,000 items;
DDB_FAULT_ITEMS=BATCH,PUT,TXN sets the numbers by hand.
Prints "N checks, N failed" last; exits non-zero on any failure.
"""
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

import botocore.session

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Checks  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, 'fault_proxy.py')
WRAPPER = shlex.split(os.environ.get('DDB_TEST_C_WRAPPER', ''))
RATES = ('e500=0.015,e503=0.015,e429=0.015,throttle=0.02,reset_before=0.01,reset_after=0.015,'
         'stall_before=0.002,stall_after=0.003,corrupt=0.015,unprocessed=0.15')
TABLES = ('FaultItems', 'FaultTxnItems')
TXN_SIZE = 4
check = Checks()


def content_of(id_):
    """(n, v) an item is written with; mirrors fault_client.c."""
    m = (1 << 64) - 1
    h = 0xcbf29ce484222325
    for b in id_.encode():
        h = ((h ^ b) * 0x100000001b3) & m
    s = h
    v = id_ + ':'
    for _ in range(64):
        s = (s * 6364136223846793005 + 1442695040888963407) & m
        v += chr(ord('a') + (s >> 33) % 26)
    return h >> 1, v


def start_proxy(tmp, name, upstream, rates, seed):
    port_file = os.path.join(tmp, name + '.port')
    log = os.path.join(tmp, name + '.json')
    p = subprocess.Popen([sys.executable, PROXY, '--upstream', upstream, '--port-file', port_file,
                          '--log', log, '--rates', rates, '--seed', str(seed), '--stall', '2.5'])
    for _ in range(200):
        if os.path.exists(port_file):
            with open(port_file) as f:
                return p, 'http://127.0.0.1:%d' % int(f.read()), log
        if p.poll() is not None:
            break
        time.sleep(0.05)
    p.kill()
    raise SystemExit('FAIL: fault_proxy.py did not start')


def stop_proxy(p, log):
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)
    with open(log) as f:
        return json.load(f)


def run_client(client, *args):
    t0 = time.monotonic()
    p = subprocess.run(WRAPPER + [client] + list(args), capture_output=True, text=True, timeout=3000)
    sys.stderr.write(p.stderr[-4000:] if p.returncode != 0 else '')
    check(p.returncode == 0, 'fault_client %s exits 0' % args[0], p.returncode)
    return time.monotonic() - t0


def engine_items(endpoint):
    """Every item of both tables, read with botocore (not libddb)."""
    ddb = botocore.session.get_session().create_client(
        'dynamodb', endpoint_url=endpoint, region_name=os.environ.get('AWS_REGION', 'us-east-1'))
    items = {}
    for table in TABLES:
        start = None
        while True:
            kw = {'TableName': table, 'ConsistentRead': True}
            if start:
                kw['ExclusiveStartKey'] = start
            page = ddb.scan(**kw)
            for it in page['Items']:
                id_ = it['id']['S']
                check(id_ not in items, 'the engine holds %s once' % id_)
                check((table == TABLES[1]) == id_.startswith('t'), '%s is in its own table' % id_, table)
                items[id_] = it
            start = page.get('LastEvaluatedKey')
            if not start:
                break
    return ddb, items


def check_outcomes(lines, expected_ids, items, lied):
    writes, gets = {}, {}
    for line in lines:
        kind, id_, what = line.split()[:3]
        table = writes if kind == 'W' else gets
        check(id_ not in table, '%s reported once' % id_, line)
        table[id_] = what
    check(set(writes) == set(expected_ids), 'every item written has an outcome',
          sorted(set(expected_ids) ^ set(writes))[:10])
    check(set(gets) == set(expected_ids), 'every item read back has an outcome',
          sorted(set(expected_ids) ^ set(gets))[:10])
    bad = []
    for id_, it in items.items():
        n, v = content_of(id_)
        if set(it) != {'id', 'n', 'v'} or int(it['n']['N']) != n or it['v']['S'] != v:
            bad.append(id_)
    check(not bad, 'every item the engine holds has exactly the content written', bad[:10])
    stray = sorted(set(items) - set(expected_ids))
    check(not stray, 'the engine holds nothing that was not written', stray[:10])
    lost = sorted(i for i, w in writes.items() if w == 'written' and i not in items)
    check(not lost, 'every item reported written is in the engine', lost[:10])
    # "failed" means certainly not written, as far as the answers can tell:
    # only the proxy's lies (done writes reported unprocessed, which
    # DynamoDB never does) can put such an item in the table
    ghost = sorted(i for i, w in writes.items() if w == 'failed' and i in items and i not in lied)
    check(not ghost, 'no item reported failed (certainly not applied) is in the engine', ghost[:10])
    odd = sorted(i for i, w in writes.items() if w not in ('written', 'failed', 'unknown'))
    check(not odd, 'write outcomes are written, failed or unknown', odd[:10])
    wrong_found = sorted(i for i, g in gets.items() if g == 'found' and i not in items)
    check(not wrong_found, 'the batch getter finds only items the engine holds', wrong_found[:10])
    wrong_absent = sorted(i for i, g in gets.items() if g == 'absent' and i in items)
    check(not wrong_absent, 'the batch getter never calls an item absent that the engine holds',
          wrong_absent[:10])
    mismatch = sorted(i for i, g in gets.items() if g == 'mismatch')
    check(not mismatch, 'the batch getter reads every item with its content', mismatch[:10])
    return Counter(writes.values()), Counter(gets.values()), \
        Counter('%s/%s' % (w, 'there' if i in items else 'absent') for i, w in writes.items() if w == 'unknown')


def check_attempts(log, timeout_s, slack_s, phase):
    """Standard mode, as seen by the proxy; returns per-call attempt counts."""
    calls = defaultdict(list)
    for a in log['attempts']:
        calls[a['inv']].append(a)
    check('' not in calls, '%s: every attempt carries amz-sdk-invocation-id' % phase)
    problems = Counter()
    examples = {}
    ks = Counter()
    for inv, atts in calls.items():
        atts.sort(key=lambda a: a['t_in'])
        nums = [a['attempt'] for a in atts]
        ks[len(atts)] += 1

        def bad(what):
            problems[what] += 1
            examples.setdefault(what, (inv, [(a['attempt'], a['op'], a['fault'], a.get('status'),
                                              a.get('answer')) for a in atts]))
        if nums != list(range(1, len(atts) + 1)):
            bad('attempts not numbered 1..k (a resend the client did not count)')
        if any(a['max'] != 3 for a in atts) or len(atts) > 3:
            bad('more than max=3 attempts')
        for prev, nxt in zip(atts, atts[1:]):
            if 'answer' not in prev:
                continue
            slow = prev['t_out'] - prev['t_in'] > timeout_s - 0.1
            if prev['answer'] == 'final' and not slow:
                bad('a retry after an answer that allows none')
            cap = min(0.025 * 2 ** (prev['attempt'] - 1), 20.0)
            if nxt['t_in'] - prev['t_out'] > cap + slack_s:
                bad('backoff over min(25 ms * 2^n, 20 s)')
        last = atts[-1]
        if phase == 'faults' and last.get('answer') == 'retry' and len(atts) < 3:
            bad('no retry after a retryable answer, with quota left')
    for what, n in problems.items():
        check(False, '%s: %s (%d calls)' % (phase, what, n), examples[what])
    return ks, calls


def main():
    if len(sys.argv) != 2:
        raise SystemExit('usage: test_faults.py PATH/TO/fault_client')
    client = os.path.abspath(sys.argv[1])
    endpoint = os.environ.get('DDB_TEST_ENDPOINT')
    if not endpoint:
        raise SystemExit('FAIL: DDB_TEST_ENDPOINT is not set (scripts/test.sh starts the engine)')
    n_batch, n_put, n_txn = (4200, 600, 50) if WRAPPER else (42000, 6000, 500)
    if os.environ.get('DDB_FAULT_ITEMS'):  # "BATCH,PUT,TXN", for trying things out
        n_batch, n_put, n_txn = (int(x) for x in os.environ['DDB_FAULT_ITEMS'].split(','))
    slack = 2.0 if WRAPPER else 0.5
    tmp = tempfile.mkdtemp(prefix='ddb-faults-')
    expected = (['b%06d' % i for i in range(n_batch)] + ['p%06d' % i for i in range(n_put)] +
                ['t%06d-%d' % (t, k) for t in range(n_txn) for k in range(TXN_SIZE)])

    run_client(client, 'setup', endpoint)
    if check.failed:
        raise SystemExit('FAIL: no table to write to')
    proxy, url, log_path = start_proxy(tmp, 'faults', endpoint, RATES, 20261205)
    out = os.path.join(tmp, 'outcomes.txt')
    try:
        took = run_client(client, 'write', url, out, str(n_batch), str(n_put), str(n_txn))
    finally:
        log = stop_proxy(proxy, log_path)
    with open(out) as f:
        lines = f.read().splitlines()
    ddb, items = engine_items(endpoint)
    lied = {w['write']['PutRequest']['Item']['id']['S'] for w in log['lied']}
    writes, gets, unknown = check_outcomes(lines, expected, items, lied)
    faults = log['faults']
    # every class fired: at least a third as often as its rate makes likely
    # when that is 30 or more, at least once when it is 10 or more (a
    # Poisson count falls below either with a chance under 1 in 5,000)
    rates = {k: float(v) for k, v in (p.split('=') for p in RATES.split(','))}
    n_att = len(log['attempts'])
    n_batch_att = sum(a['op'] in ('BatchWriteItem', 'BatchGetItem') for a in log['attempts'])
    for cls, n in faults.items():
        likely = rates[cls] * (n_batch_att if cls == 'unprocessed' else n_att)
        want = int(likely / 3) if likely >= 30 else 1 if likely >= 10 else 0
        check(n >= want, 'fault class %s fired at least %d times (%.0f likely)' % (cls, want, likely), n)
    ks, _ = check_attempts(log, 1.0, slack, 'faults')
    print('faults: %d items in %.1f s; %d requests; faults injected %s' %
          (len(expected), took, len(log['attempts']), json.dumps(faults)))
    print('faults: outcomes %s; unknown ones %s; read back %s; engine holds %d' %
          (dict(writes), dict(unknown), dict(gets), len(items)))
    print('faults: calls by attempts made %s' % dict(sorted(ks.items())))

    # the retry quota
    proxy, url, log_path = start_proxy(tmp, 'quota', endpoint, 'e503=1', 1)
    out = os.path.join(tmp, 'quota.txt')
    try:
        run_client(client, 'quota', url, out, '150')
    finally:
        log = stop_proxy(proxy, log_path)
    with open(out) as f:
        q = [line.split() for line in f.read().splitlines()]
    check(len(q) == 150, 'quota: 150 calls reported', len(q))
    attempts = [int(r[3]) for r in q]
    exhausted = [r[4] == '1' for r in q]
    check(all(r[2] == 'DDB_ESERVICE' for r in q), 'quota: every call fails with the 503',
          Counter(r[2] for r in q))
    check(attempts == [3] * 50 + [1] * 100, 'quota: 50 calls of 3 attempts, then 1 each',
          attempts)
    check(exhausted == [False] * 50 + [True] * 100,
          'quota: the calls that could not retry say "[retry quota exhausted]"', exhausted.count(True))
    ks, calls = check_attempts(log, 1.0, slack, 'quota')
    seen = [len(a) for a in sorted(calls.values(), key=lambda a: a[0]['t_in'])]
    check(seen == attempts, 'quota: the proxy saw exactly the attempts the client counted',
          (seen[:60], len(seen)))
    print('quota: calls by attempts made %s' % dict(sorted(ks.items())))
    for table in TABLES:
        ddb.delete_table(TableName=table)
    status = check.summary()
    if status == 0:
        shutil.rmtree(tmp, ignore_errors=True)  # kept for a look when something failed
    return status


if __name__ == '__main__':
    sys.exit(main())
