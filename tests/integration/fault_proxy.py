#!/usr/bin/env python3
"""fault_proxy.py - a loopback HTTP/1.1 proxy that injects faults between
libddb and a DynamoDB engine (tests/integration/test_faults.py drives it).

    fault_proxy.py --upstream http://127.0.0.1:PORT --port-file F --log L \
                   [--rates e500=0.02,reset_after=0.01,...] [--seed N] [--stall S]

Every request gets at most one fault, drawn with the given per-request
probabilities (their sum must be <= 1):

  e500, e503     answer 500 InternalServerError / 503 ServiceUnavailable
                 without forwarding
  e429           answer HTTP 429 (TooManyRequestsException) without forwarding
  throttle       answer 400 with a throttling body (ThrottlingException or
                 ProvisionedThroughputExceededException), not forwarded
  reset_before   read the request, then reset the connection (not forwarded)
  reset_after    forward, read the engine's answer, then reset the connection
                 instead of answering (the write happened; the client cannot
                 know)
  stall_before   read the request, then hold the connection --stall seconds
                 and close it (not forwarded)
  stall_after    forward, then hold the answer --stall seconds and close
  corrupt        forward, then flip one bit of the answer's body (a success
                 keeps the x-amz-crc32 of the true body, as DynamoDB's would;
                 one is computed when the engine sent none)
  unprocessed    BatchWriteItem / BatchGetItem only: forward, then rewrite
                 the answer so that some of the work the engine did is
                 reported as UnprocessedItems / UnprocessedKeys

Each attempt is logged with the SDK headers libddb sends
(amz-sdk-invocation-id, amz-sdk-request "attempt=N; max=M"): operation,
arrival and answer times, the fault, the status answered and whether that
answer allows a retry. On SIGTERM or SIGINT the log is written to --log as
JSON ({"attempts": [...], "faults": {class: count}, "lied": [the
BatchWriteItem writes it reported unprocessed although the engine did
them]}) and the proxy exits.
The port it listens on (loopback, chosen by the kernel) is written to
--port-file once it accepts connections.
"""
import argparse
import asyncio
import json
import os
import random
import signal
import socket
import struct
import sys
import time
import urllib.parse
import zlib

CLASSES = ('e500', 'e503', 'e429', 'throttle', 'reset_before', 'reset_after', 'stall_before',
           'stall_after', 'corrupt', 'unprocessed')
DDB = 'com.amazonaws.dynamodb.v20120810#'
CANNED = {
    'e500': (500, 'Internal Server Error', DDB + 'InternalServerError', 'fault proxy: internal error'),
    'e503': (503, 'Service Unavailable', 'com.amazon.coral.availability#ServiceUnavailableException',
             'fault proxy: unavailable'),
    'e429': (429, 'Too Many Requests', 'TooManyRequestsException', 'fault proxy: too many requests'),
}
THROTTLES = (DDB + 'ThrottlingException', DDB + 'ProvisionedThroughputExceededException')
# Error types after which the AWS SDKs' standard mode retries (as libddb's
# retry.c lists them); anything else from the engine is final.
RETRYABLE_TYPES = {
    'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestThrottledException',
    'RequestThrottled', 'TooManyRequestsException', 'ProvisionedThroughputExceededException',
    'TransactionInProgressException', 'RequestLimitExceeded', 'BandwidthLimitExceeded',
    'LimitExceededException', 'SlowDown', 'PriorRequestNotComplete', 'RequestTimeout',
    'RequestTimeoutException'}


class Message:
    """One HTTP/1.1 message: first line, headers (in order) and body."""

    def __init__(self, first, headers, body):
        self.first = first
        self.headers = headers  # [(name, value)]
        self.body = body

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def without(self, *names):
        drop = {n.lower() for n in names}
        return [(k, v) for k, v in self.headers if k.lower() not in drop]

    def encode(self, headers=None):
        hs = self.without('content-length', 'transfer-encoding') if headers is None else headers
        lines = [self.first] + ['%s: %s' % (k, v) for k, v in hs]
        lines.append('Content-Length: %d' % len(self.body))
        return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + self.body


async def read_message(reader):
    """Reads one message; None at a clean end of stream."""
    try:
        head = await reader.readuntil(b'\r\n\r\n')
    except asyncio.IncompleteReadError as e:
        if not e.partial:
            return None
        raise
    lines = head.decode('latin-1').split('\r\n')[:-2]
    if not lines:
        return None
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(':')
        headers.append((k.strip(), v.strip()))
    m = Message(lines[0], headers, b'')
    if (m.header('transfer-encoding') or '').lower() == 'chunked':
        body = b''
        while True:
            size = int((await reader.readuntil(b'\r\n')).split(b';')[0], 16)
            if size == 0:
                while (await reader.readuntil(b'\r\n')) != b'\r\n':
                    pass
                break
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        m.body = body
    else:
        m.body = await reader.readexactly(int(m.header('content-length') or 0))
    return m


def canned(status, reason, aws_type, message, request_id):
    body = json.dumps({'__type': aws_type, 'message': message}).encode()
    return Message('HTTP/1.1 %d %s' % (status, reason),
                   [('Content-Type', 'application/x-amz-json-1.0'), ('x-amzn-RequestId', request_id),
                    ('x-amz-crc32', str(zlib.crc32(body)))], body)


def answer_kind(status, body):
    """'final' when the SDKs' standard mode must not retry this answer,
    'retry' when it may."""
    if 200 <= status < 300:
        return 'final'
    if status in (429, 500, 502, 503, 504):
        return 'retry'
    try:
        t = json.loads(body).get('__type', '')
    except (ValueError, AttributeError):
        return 'final'
    return 'retry' if t.rsplit('#', 1)[-1] in RETRYABLE_TYPES else 'final'


def same_key(item, key):
    return all(item.get(k) == v for k, v in key.items())


def rewrite_unprocessed(op, request_body, answer, rng, lied):
    """Moves some of the work the engine did into Unprocessed*; returns the
    new body or None when there is nothing to move. The writes reported
    unprocessed although done are appended to `lied`."""
    req = json.loads(request_body)
    out = json.loads(answer)
    moved = 0
    if op == 'BatchWriteItem':
        unprocessed = out.setdefault('UnprocessedItems', {})
        for table, writes in req.get('RequestItems', {}).items():
            already = unprocessed.get(table, [])
            done = [w for w in writes if w not in already]
            pick = [w for w in done if rng.random() < 0.5]
            if pick:
                unprocessed[table] = already + pick
                moved += len(pick)
                lied.extend({'table': table, 'write': w} for w in pick)
    elif op == 'BatchGetItem':
        unprocessed = out.setdefault('UnprocessedKeys', {})
        for table, items in out.get('Responses', {}).items():
            spec = req['RequestItems'][table]
            keep, keys = [], []
            for item in items:
                key = next((k for k in spec['Keys'] if same_key(item, k)), None)
                if key is not None and rng.random() < 0.5:
                    keys.append(key)
                else:
                    keep.append(item)
            if keys:
                out['Responses'][table] = keep
                entry = unprocessed.setdefault(table, dict(spec, Keys=[]))
                entry['Keys'] = entry['Keys'] + keys
                moved += len(keys)
    return json.dumps(out).encode() if moved else None


class Proxy:
    def __init__(self, args):
        u = urllib.parse.urlsplit(args.upstream)
        self.up_host, self.up_port = u.hostname, u.port or 80
        self.rates = []
        total = 0.0
        for part in filter(None, args.rates.split(',')):
            name, _, value = part.partition('=')
            if name not in CLASSES:
                raise SystemExit('fault_proxy: unknown fault class %r' % name)
            total += float(value)
            self.rates.append((name, total))
        if total > 1.0 + 1e-9:
            raise SystemExit('fault_proxy: the rates add up to %.3f > 1' % total)
        self.rng = random.Random(args.seed)
        self.stall = args.stall
        self.attempts = []
        self.faults = {c: 0 for c in CLASSES}
        self.lied = []  # BatchWriteItem writes done but reported unprocessed
        self.tasks = set()
        self.served = 0

    def draw(self, op):
        r = self.rng.random()
        for name, upto in self.rates:
            if r < upto:
                if name == 'unprocessed' and op not in ('BatchWriteItem', 'BatchGetItem'):
                    return None
                return name
        return None

    async def forward(self, up, req):
        """Sends req upstream over up (opening it when needed); returns
        (answer, up)."""
        for again in (False, True):
            if up is None:
                up = await asyncio.open_connection(self.up_host, self.up_port)
            try:
                up[1].write(req.encode())
                await up[1].drain()
                ans = await read_message(up[0])
                if ans is None:
                    raise ConnectionError('engine closed the connection')
                if (ans.header('connection') or '').lower() == 'close':
                    up[1].close()
                    up = None
                return ans, up
            except (ConnectionError, asyncio.IncompleteReadError):
                up[1].close()
                up = None
                if again:
                    raise
        raise AssertionError('unreachable')

    async def serve(self, reader, writer):
        # asyncio keeps only weak references to the tasks it starts for
        # connections: hold this one, or a waiting task may be collected
        task = asyncio.current_task()
        self.tasks.add(task)
        up = [None]  # this client connection's own connection to the engine
        try:
            while True:
                try:
                    req = await read_message(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                if req is None or not await self.one(req, writer, up):
                    return
                if (req.header('connection') or '').lower() == 'close':
                    return
        except ConnectionError:
            return
        finally:
            self.tasks.discard(task)
            writer.close()
            if up[0] is not None:
                up[0][1].close()

    async def one(self, req, writer, up_holder):
        """Handles one request; False when the client connection is gone."""
        target = req.header('x-amz-target') or ''
        op = target.rsplit('.', 1)[-1]
        sdk = req.header('amz-sdk-request') or ''
        fields = dict(p.strip().partition('=')[::2] for p in sdk.split(';') if '=' in p)
        rec = {'inv': req.header('amz-sdk-invocation-id') or '', 'attempt': int(fields.get('attempt', 0)),
               'max': int(fields.get('max', 0)), 'op': op, 't_in': time.monotonic()}
        self.attempts.append(rec)
        fault = self.draw(op)
        rec['fault'] = fault
        if fault is not None:
            self.faults[fault] += 1
        rid = 'FAULTPROXY%08d' % len(self.attempts)

        def done(status, kind):
            rec['status'], rec['answer'], rec['t_out'] = status, kind, time.monotonic()

        if fault in CANNED:
            ans = canned(*CANNED[fault], rid)
        elif fault == 'throttle':
            ans = canned(400, 'Bad Request', self.rng.choice(THROTTLES), 'fault proxy: slow down', rid)
        elif fault == 'reset_before':
            done(0, 'retry')
            reset(writer)
            return False
        elif fault == 'stall_before':
            await asyncio.sleep(self.stall)
            done(0, 'retry')
            return False
        else:
            try:
                ans, up_holder[0] = await self.forward(up_holder[0], req)
            except (OSError, asyncio.IncompleteReadError) as e:
                print('fault_proxy: engine unreachable: %s' % e, file=sys.stderr)
                ans = canned(502, 'Bad Gateway', 'BadGateway', 'fault proxy: engine unreachable', rid)
                rec['fault'] = 'engine_failure'
            status = int(ans.first.split()[1])
            if fault == 'reset_after':
                done(status, 'retry')
                reset(writer)
                return False
            if fault == 'stall_after':
                await asyncio.sleep(self.stall)
                done(status, 'retry')
                return False
            if fault == 'corrupt' and ans.body:
                if 200 <= status < 300 and ans.header('x-amz-crc32') is None:
                    ans.headers.append(('x-amz-crc32', str(zlib.crc32(ans.body))))
                body = bytearray(ans.body)
                body[self.rng.randrange(len(body))] ^= 1 << self.rng.randrange(8)
                ans.body = bytes(body)
                kind = 'retry' if 200 <= status < 300 else 'unknown'
                writer.write(ans.encode())
                await writer.drain()
                done(status, kind)
                return True
            if fault == 'unprocessed' and status == 200:
                body = rewrite_unprocessed(op, req.body, ans.body, self.rng, self.lied)
                if body is None:
                    rec['fault'] = None
                    self.faults['unprocessed'] -= 1
                else:
                    ans.body = body
                    ans.headers = ans.without('x-amz-crc32') + [('x-amz-crc32', str(zlib.crc32(body)))]
        status = int(ans.first.split()[1])
        writer.write(ans.encode())
        await writer.drain()
        done(status, answer_kind(status, ans.body))
        return True

    def dump(self, path):
        with open(path, 'w') as f:
            json.dump({'attempts': self.attempts, 'faults': self.faults, 'lied': self.lied}, f)


def reset(writer):
    """Closes the client connection with a TCP reset."""
    sock = writer.get_extra_info('socket')
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    writer.transport.abort()


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--upstream', required=True)
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--log', required=True)
    ap.add_argument('--rates', default='')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--stall', type=float, default=3.0)
    args = ap.parse_args()
    proxy = Proxy(args)
    server = await asyncio.start_server(proxy.serve, '127.0.0.1', 0, limit=64 << 20)
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.get_running_loop().create_future()
    for s in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(s, lambda: stop.done() or stop.set_result(None))
    with open(args.port_file + '.tmp', 'w') as f:
        f.write('%d\n' % port)
    os.replace(args.port_file + '.tmp', args.port_file)
    await stop
    proxy.dump(args.log)
    sys.stdout.flush()
    os._exit(0)  # connections still open simply end with the process


if __name__ == '__main__':
    asyncio.run(main())
