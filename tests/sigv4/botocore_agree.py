#!/usr/bin/env python3
"""Signs random DynamoDB-style requests with botocore's SigV4Auth and with
libddb (through sigv4_tool) and fails on any difference.

usage: botocore_agree.py SIGV4_TOOL [--count N] [--seed S]

Requests vary the region, service, signing date (2000-2099), credentials
(with and without a session token), method, JSON body (unicode, escapes,
nesting, empty), header sets (duplicates, mixed case, runs of whitespace,
a caller-supplied X-Amz-Date) and, for a minority, the path (dot segments,
"//", percent escapes) and query string (already encoded, as botocore
expects a URL's query). The default seed makes runs reproducible.
"""
import argparse
import datetime
import json
import random
import string
import subprocess
import sys
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2",
           "ap-northeast-1", "sa-east-1", "us-gov-west-1", "cn-north-1", "il-central-1"]
SERVICES = ["dynamodb"] * 8 + ["sts", "streams.dynamodb"]
OPERATIONS = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
              "BatchWriteItem", "BatchGetItem", "TransactWriteItems", "DescribeTable"]
# Text pieces for JSON strings: ASCII, Latin accents, Greek, CJK, emoji
# (astral plane), JSON escapes and controls.
ALPHABETS = [string.ascii_letters + string.digits + " _-.:/",
             "äöüßéèêçñøåÆŒ", "αβγδεζηθλμπσω", "漢字仮名한국어中文", "😀🚀🎉🧪🦄",
             "\"\\\n\t\b\f\r\u0001\u001f"]
B64 = string.ascii_letters + string.digits + "+/"
TOKEN_CHARS = string.ascii_letters + string.digits + "-"
VALUE_CHARS = string.ascii_letters + string.digits + string.punctuation
UNRESERVED = string.ascii_letters + string.digits + "-_.~"


def rand_text(rng, max_len=24):
    return "".join(rng.choice(rng.choice(ALPHABETS)) for _ in range(rng.randint(0, max_len)))


def rand_attribute(rng, depth):
    kind = rng.choice("SNBLMB" if depth < 3 else "SNB")
    if kind == "S":
        return {"S": rand_text(rng)}
    if kind == "N":
        return {"N": str(rng.uniform(-1e9, 1e9))}
    if kind == "B":
        return {"BOOL": rng.random() < 0.5}
    if kind == "L":
        return {"L": [rand_attribute(rng, depth + 1) for _ in range(rng.randint(0, 4))]}
    return {"M": {rand_text(rng, 8): rand_attribute(rng, depth + 1) for _ in range(rng.randint(0, 4))}}


def rand_body(rng):
    if rng.random() < 0.1:
        return b""
    doc = {"TableName": rand_text(rng, 12) or "T",
           "Item": {rand_text(rng, 10): rand_attribute(rng, 0) for _ in range(rng.randint(1, 6))}}
    separators = rng.choice([(",", ":"), (", ", ": ")])
    return json.dumps(doc, ensure_ascii=rng.random() < 0.3, separators=separators).encode("utf-8")


def rand_case(rng, name):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)


def rand_value(rng):
    """Printable ASCII with random leading, inner and trailing whitespace."""
    def gap():
        return "".join(rng.choice(" \t") for _ in range(rng.randint(0, 3)))
    words = ["".join(rng.choice(VALUE_CHARS) for _ in range(rng.randint(1, 10)))
             for _ in range(rng.randint(0, 4))]
    return gap() + "".join(rng.choice(" \t") + gap() + w for w in words).lstrip(" \t") + gap()


def rand_headers(rng, host, operation, timestamp):
    headers = [(rand_case(rng, "host"), host),
               ("Content-Type", "application/x-amz-json-1.0"),
               ("X-Amz-Target", "DynamoDB_20120810." + operation)]
    names = ["X-Custom-" + "".join(rng.choice(TOKEN_CHARS) for _ in range(rng.randint(1, 8)))
             for _ in range(3)]
    for _ in range(rng.randint(0, 6)):  # picks from 3 names: duplicates are common
        headers.append((rand_case(rng, rng.choice(names)), rand_value(rng)))
    if rng.random() < 0.2:
        headers.append(("X-Amz-Date", timestamp))
    rng.shuffle(headers)
    return headers


def rand_path(rng):
    if rng.random() < 0.85:
        return "/"
    segments = []
    for _ in range(rng.randint(1, 6)):
        roll = rng.random()
        if roll < 0.15:
            segments.append(rng.choice([".", "..", ""]))
        elif roll < 0.3:
            segments.append("%" + rng.choice("0123456789ABCDEF") + rng.choice("0123456789ABCDEF"))
        else:
            segments.append("".join(rng.choice(UNRESERVED + "$!*'(),;=:@") for _ in range(rng.randint(1, 8))))
    return "/" + "/".join(segments) + rng.choice(["", "/"])


def rand_query(rng):
    """An already canonical query: botocore sorts a URL's query as it is."""
    if rng.random() < 0.85:
        return ""
    def part():
        out = []
        for _ in range(rng.randint(0, 8)):
            c = rng.choice(UNRESERVED + " /+=&?é")
            out.append(c if c in UNRESERVED else "".join("%%%02X" % b for b in c.encode("utf-8")))
        return "".join(out)
    return "&".join((part() or "k") + ("" if rng.random() < 0.1 else "=" + part())
                    for _ in range(rng.randint(1, 5)))


def rand_request(rng):
    region = rng.choice(REGIONS)
    when = datetime.datetime(2000, 1, 1) + datetime.timedelta(seconds=rng.randrange(100 * 365 * 86400))
    timestamp = when.strftime("%Y%m%dT%H%M%SZ")
    token = "".join(rng.choice(B64) for _ in range(rng.randint(100, 400))) if rng.random() < 0.5 else None
    return {
        "method": rng.choice(["POST"] * 8 + ["GET", "PUT"]),
        "path": rand_path(rng),
        "query": rand_query(rng),
        "region": region,
        "service": rng.choice(SERVICES),
        "when": when,
        "akid": rng.choice(["AKIA", "ASIA"]) + "".join(rng.choice(string.ascii_uppercase + string.digits)
                                                      for _ in range(16)),
        "secret": "".join(rng.choice(B64) for _ in range(40)),
        "token": token,
        "headers": rand_headers(rng, "dynamodb.%s.amazonaws.com" % region, rng.choice(OPERATIONS), timestamp),
        "body": rand_body(rng),
    }


def botocore_sign(r):
    host = next(value for name, value in r["headers"] if name.lower() == "host")
    url = "https://%s%s%s" % (host, r["path"], "?" + r["query"] if r["query"] else "")
    request = AWSRequest(method=r["method"], url=url, data=r["body"])
    for name, value in r["headers"]:
        request.headers[name] = value
    auth = botocore.auth.SigV4Auth(Credentials(r["akid"], r["secret"], r["token"]), r["service"], r["region"])
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=r["when"]):
        auth.add_auth(request)
    authorization = request.headers["Authorization"]
    del request.headers["Authorization"]  # what was signed, for mismatch reports
    return authorization, auth.canonical_request(request)


def tool_input(r):
    epoch = int((r["when"] - datetime.datetime(1970, 1, 1)).total_seconds())
    lines = ["method " + r["method"], "path " + r["path"], "query " + r["query"], "region " + r["region"],
             "service " + r["service"], "time %d" % epoch, "akid " + r["akid"], "secret " + r["secret"]]
    if r["token"]:
        lines.append("token " + r["token"])
    lines += ["header %s %s" % (name, value) for name, value in r["headers"]]
    lines += ["body " + r["body"].hex(), "end"]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=20150830)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    requests = [rand_request(rng) for _ in range(args.count)]
    expected = [botocore_sign(r) for r in requests]
    proc = subprocess.run([args.tool], input="".join(tool_input(r) for r in requests).encode("utf-8"),
                          stdout=subprocess.PIPE, check=False)
    got = proc.stdout.decode("utf-8").splitlines()
    if proc.returncode != 0 or len(got) != len(requests):
        sys.exit("FAIL: sigv4_tool exited %d with %d lines for %d requests"
                 % (proc.returncode, len(got), len(requests)))
    mismatches = [i for i, line in enumerate(got) if line != "auth " + expected[i][0]]
    for i in mismatches[:5]:
        print("MISMATCH request %d (seed %d):\n  request: %r\n  botocore: %s\n  libddb:   %s\n"
              "  botocore canonical request:\n%s\n" % (i, args.seed, requests[i], expected[i][0], got[i],
                                                         expected[i][1]), file=sys.stderr)
    if mismatches:
        sys.exit("FAIL: %d of %d requests signed differently from botocore %s (seed %d)"
                 % (len(mismatches), len(requests), botocore.__version__, args.seed))
    tokens = sum(1 for r in requests if r["token"])
    print("botocore %s agreement: %d requests identical (%d with session token, seed %d)"
          % (botocore.__version__, len(requests), tokens, args.seed))


if __name__ == "__main__":
    main()
