"""The engine under test and its documented deviations from DynamoDB, for
python tests: the same table (tests/support/engines.txt) and the same rules
as tests/support/ddb_test.h.

    import engines
    if engines.deviates('number_text_kept'): ...
    client = engines.botocore_client(session, key_id, secret)

A missing table, an unknown engine or an unknown deviation id ends the
process (exit 1) with a message: a test set-up error, never a pass.
"""

import os
import sys

_TABLE = None


def _die(message):
    print('engines: ' + message, file=sys.stderr)
    sys.exit(1)


def _load():
    global _TABLE
    if _TABLE is not None:
        return _TABLE
    engine = os.environ.get('DDB_TEST_ENGINE') or 'dynamodb'
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'engines.txt')
    isolation = None
    deviations = {}
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                if line.startswith('#'):
                    continue
                words = line.split(None, 3)
                if len(words) < 3:
                    continue
                if words[0] == 'engine':
                    if words[1] == engine:
                        isolation = words[2].split('=', 1)[1]
                elif words[0] == 'deviation':
                    deviations[words[1]] = engine in words[2].split(',')
                else:
                    _die('%s: unknown line kind %s' % (path, words[0]))
    except OSError as e:
        _die('cannot read %s: %s' % (path, e))
    if isolation is None:
        _die('DDB_TEST_ENGINE=%s is not an engine of %s' % (engine, path))
    _TABLE = {'engine': engine, 'isolation': isolation, 'deviations': deviations,
              'reported': set()}
    return _TABLE


def engine():
    """$DDB_TEST_ENGINE, or 'dynamodb' when unset."""
    return _load()['engine']


def isolation():
    """'access-key', 'moto-account', 'shared' or 'environment'."""
    return _load()['isolation']


def deviates(dev_id):
    """Whether the engine under test has documented deviation dev_id; the
    first True prints the line scripts/test.sh --engines counts."""
    table = _load()
    if dev_id not in table['deviations']:
        _die('deviates(%r): no such deviation in tests/support/engines.txt' % dev_id)
    if not table['deviations'][dev_id]:
        return False
    if dev_id not in table['reported']:
        table['reported'].add(dev_id)
        print('ddbt: engine deviation: %s (%s)' % (dev_id, table['engine']), file=sys.stderr)
    return True


def moto_account(key_id):
    """The 12-digit moto account of an access key id (FNV-1a, as
    ddbt_moto_account in C)."""
    h = 14695981039346656037
    for b in key_id.encode('utf-8'):
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return str(100000000000 + h % 900000000000)


def botocore_client(session, key_id, secret, **kwargs):
    """A botocore DynamoDB client on $DDB_TEST_ENDPOINT kept apart from other
    test processes as the engine allows (ddbt_client_new's rules): key_id
    and secret sign (the default chain's credentials with isolation
    'environment'), and on moto every request names key_id's account."""
    iso = isolation()
    args = dict(endpoint_url=os.environ['DDB_TEST_ENDPOINT'], **kwargs)
    if iso == 'environment':
        # botocore reads AWS_DEFAULT_REGION only; libddb reads AWS_REGION first
        region = os.environ.get('AWS_REGION') or os.environ.get('AWS_DEFAULT_REGION')
        if region:
            args['region_name'] = region
    else:
        args.update(region_name='us-east-1', aws_access_key_id=key_id,
                    aws_secret_access_key=secret)
    client = session.create_client('dynamodb', **args)
    if iso == 'moto-account':
        account = moto_account(key_id)

        def add_account(request, **_):
            request.headers['x-moto-account-id'] = account

        client.meta.events.register('before-send.dynamodb', add_account)
    return client
