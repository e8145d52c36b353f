#!/usr/bin/env python3
"""moto server with every request handled atomically.

`python -m moto.server` serves each request on its own thread and its
DynamoDB backend takes no lock, so two conditional writes to one item can
both pass their condition (measured: two workers claiming one task through
`version = :v` both succeeded). DynamoDB makes each item write atomic; this
launcher runs moto's own application (the one moto.server builds) under one
lock per request, connections still served on threads. Same options as
moto.server's: -H HOST -p PORT, and -c CERT -k KEY to serve https with that
certificate chain and key (PEM files).
"""
import argparse
import os
import signal
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def serialized(app):
    lock = threading.Lock()

    def handle(environ, start_response):
        with lock:
            # the whole body is produced under the lock: a lazy iterable
            # would otherwise run backend code after it is released
            result = app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                if hasattr(result, "close"):
                    result.close()

    return handle


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    parser.add_argument("-c", "--ssl-cert", help="serve https with this certificate chain (PEM)")
    parser.add_argument("-k", "--ssl-key", help="and this private key (PEM)")
    args = parser.parse_args()
    if (args.ssl_cert is None) != (args.ssl_key is None):
        parser.error("--ssl-cert and --ssl-key go together")
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto.server does
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    tls = (args.ssl_cert, args.ssl_key) if args.ssl_cert is not None else None
    run_simple(args.host, args.port, serialized(app), threaded=True, ssl_context=tls)


if __name__ == "__main__":
    main()
