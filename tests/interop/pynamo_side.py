#!/usr/bin/env python3
"""
pynamo_side.py - wire compatibility of ddbc's generated C with PynamoDB 6.1.

The Python half of the interop test (suite 'integration'; see README.md in
this directory). It needs an engine (DDB_TEST_ENDPOINT) and botocore,
and FAILS, never skips, without either. PynamoDB itself is not used: the
items below are written exactly as PynamoDB 6.1 serialises them, by the
small pyn_* encoders in this file, which mirror pynamodb/attributes.py
attribute by attribute. On 2026-11-21 they were checked against the real
PynamoDB 6.1.0 (commit 2f8e8bb60474babd6ad558a91b0ad89a2c36d515, run from a
temporary checkout, never committed): Model.serialize() of every case,
the items its save() stores and the conditions it sends were identical,
and PynamoDB read back every item interop_c wrote (README.md has details).

    python3 pynamo_side.py BUILD/tests/interop/interop_c

The schema is tests/interop/interop.yaml. Its PynamoDB counterpart, the
models a Python service sharing the tables would declare:

    class Address(MapAttribute):
        street = UnicodeAttribute()
        zip = UnicodeAttribute(null=True, attr_name='postal code')
    class Person(MapAttribute):
        name = UnicodeAttribute()
        age = NumberAttribute(null=True)
        home = Address(null=True)
    class Line(MapAttribute):
        sku = UnicodeAttribute()
        qty = NumberAttribute()
        price = DecimalAttribute(null=True)      # see "decimal" below
    class Record(Model):                          # table InteropRecord
        pk = UnicodeAttribute(hash_key=True)
        sk = NumberAttribute(range_key=True)
        text = UnicodeAttribute(null=True)
        count = NumberAttribute(null=True)
        ratio = NumberAttribute(null=True)
        amount = DecimalAttribute(null=True)
        flag = BooleanAttribute(null=True)
        blob = BinaryAttribute(null=True, legacy_encoding=False)
        at = UTCDateTimeAttribute(null=True)
        meta = JSONAttribute(null=True)
        tags = UnicodeSetAttribute(null=True)
        scores = NumberSetAttribute(null=True)
        blobs = BinarySetAttribute(null=True, legacy_encoding=False)
        words = ListAttribute(of=UnicodeAttribute)
        counts = ListAttribute(of=NumberAttribute, null=True)
        lines = ListAttribute(of=Line, null=True)
        stuff = ListAttribute(null=True)
        owner = Person(null=True)
        doc = MapAttribute(null=True)             # raw map: a document
        nothing = NullAttribute(null=True)
        expires = TTLAttribute(null=True)
        version = VersionAttribute()
        label = UnicodeAttribute(attr_name='label ✓ x-y')
    class Shape(Model, discriminator='Shape'):   # table InteropShape
        id = UnicodeAttribute(hash_key=True)
        kind = DiscriminatorAttribute(attr_name='cls')
        name = UnicodeAttribute(null=True)
    class Circle(Shape, discriminator='Circle'):
        radius = NumberAttribute()

PynamoDB has no decimal attribute (NumberAttribute would json.dumps a
float and cannot take a Decimal); DecimalAttribute above stands for the
usual custom one: NumberAttribute whose serialize is str(Decimal) and
deserialize Decimal(text), the exact text ddbc's decimal keeps. ddbc's base
model `shape` has no discriminator value of its own, so the C side sets
kind = "Shape" itself when it writes a Shape.

What is checked (each mismatch is reported with the item and the field):

 1. Python -> C. The test puts ten edge-case items (and two shapes) with
    botocore, each exactly as PynamoDB's Model.save() sends it (with its
    attribute_not_exists(version) condition). interop_c reads every item
    with the generated get, and the whole partition again with the
    generated query (3 items a page), and prints each struct as canonical
    JSON built from the struct's fields (interop_c.c: dump_record). That
    is compared field by field with the values the item was made from.
 2. C -> Python. interop_c receives the same canonical JSON on stdin,
    builds the structs field by field (interop_c.c: build_record) and puts
    them with the generated put. The test reads the raw items with
    botocore's low-level client (AttributeValues as DynamoDB returns them,
    no deserializer) and compares every attribute, type tag and text, with
    PynamoDB's encoding of those values; then compares them once more with
    the items of step 1, which went through DynamoDB's normalisation too,
    this time requiring identical number text.
 3. Optimistic locking across languages (PynamoDB's VersionAttribute):
    Python's first save (attribute_not_exists), C's update (version 1 -> 2),
    Python's stale save (version = 1) refused, Python's fresh save
    (version = 2 -> 3), C's stale update refused, C's never-saved object
    refused, C's refresh + save (3 -> 4), and nothing lost on the way.
 4. Known edge of the mapping: a PynamoDB ListAttribute(of=...) with a None
    element (stored as NULL) cannot be held by a typed C list: the generated
    get must fail with DDB_ETYPE naming the element, not misread.
 5. Datetimes with an unpadded year ("999-12-31T..."), which PynamoDB
    before 5.1 wrote on glibc and 6.1 still reads (zfill(31)), must read.

Numbers. PynamoDB writes json.dumps text ("3", "1.5", "1e+20", "-0.0");
ddbc writes int64 in decimal, doubles as the shortest of %.15g/%.16g/%.17g
that reads back exactly, decimals and number sets as their text.
DynamoDB stores numbers, not text: it returns them normalised ("12.50" ->
"12.5", "1e+20" -> "100000000000000000000", "-0.0" -> "0"). So in step 2
a number is accepted when its text equals PynamoDB's or when it equals it
numerically (decimal.Decimal, exact); the second comparison of step 2
(both items normalised by DynamoDB) requires identical text, except on an
engine that keeps the text written (tests/support/engines.txt:
number_text_kept), where it requires equal values. In step 1
doubles are compared as doubles, decimals as Decimal, int64 exactly.
Sets are compared as sets (neither side keeps an order); lists in order.

Environment: DDB_TEST_ENDPOINT (required); DDB_TEST_C_WRAPPER, e.g.
"valgrind --error-exitcode=99 --leak-check=full", runs interop_c under
that command (meson's --wrapper wraps this script, not interop_c).
Each run uses its own access key id, which keeps its tables apart from
other test processes where the engine allows it (tests/support/engines.py),
creates the two tables and deletes them at the end.
"""

import base64
import calendar
import json
import os
import shlex
import subprocess
import sys
import time
from datetime import datetime, timezone
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'support'))
import engines  # noqa: E402  (tests/support/engines.py)

UTC = timezone.utc
RECORD_TABLE = 'InteropRecord'
SHAPE_TABLE = 'InteropShape'
LABEL_ATTR = 'label ✓ x-y'
C_TIMEOUT = 300


def fail(msg):
    print('interop: FAIL: ' + msg, file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------
# PynamoDB 6.1 encodings (pynamodb/attributes.py), as botocore takes them:
# {"S": str}, {"N": str}, {"B": bytes}, {"SS": [...]}, ... {"NULL": True}.
# None means "PynamoDB writes no attribute".

DATETIME_FORMAT = '%Y-%m-%dT%H:%M:%S.%f+0000'  # pynamodb.constants


def pyn_string(v):  # UnicodeAttribute
    return None if v is None else {'S': v}


def pyn_number(v):  # NumberAttribute.serialize: json.dumps
    return None if v is None else {'N': json.dumps(v)}


def pyn_decimal(v):  # the custom DecimalAttribute (see the header)
    return None if v is None else {'N': str(v)}


def pyn_bool(v):  # BooleanAttribute
    return None if v is None else {'BOOL': bool(v)}


def pyn_binary(v):  # BinaryAttribute(legacy_encoding=False): raw bytes
    return None if v is None else {'B': v}


def pyn_utc(v):  # UTCDateTimeAttribute.serialize
    if v is None:
        return None
    if v.tzinfo is None:
        v = v.replace(tzinfo=UTC)
    # zfill: strftime does not pad years < 1000 on glibc
    return {'S': v.astimezone(UTC).strftime(DATETIME_FORMAT).zfill(31)}


def pyn_json(v):  # JSONAttribute.serialize (None: no attribute)
    return None if v is None else {'S': json.dumps(v)}


def pyn_strset(v):  # UnicodeSetAttribute: empty set -> no attribute
    items = list(v or ())
    return {'SS': items} if items else None


def pyn_numset(v):  # NumberSetAttribute
    items = [json.dumps(x) for x in (v or ())]
    return {'NS': items} if items else None


def pyn_binset(v):  # BinarySetAttribute(legacy_encoding=False)
    items = list(v or ())
    return {'BS': items} if items else None


def pyn_ttl(v):  # TTLAttribute.serialize (a timezone-aware datetime)
    return None if v is None else {'N': json.dumps(calendar.timegm(v.utctimetuple()))}


def pyn_version(v):  # VersionAttribute.serialize
    return {'N': json.dumps(int(v))}


def pyn_null(v):  # NullAttribute: any value but None is stored as NULL
    return None if v is None else {'NULL': True}


def pyn_raw(v):
    """A value of a raw MapAttribute / untyped ListAttribute element, by its
    Python type (_get_class_for_serialize, SERIALIZE_CLASS_MAP)."""
    if v is None:
        return {'NULL': True}
    if isinstance(v, set):
        kinds = {type(x) for x in v}
        if not kinds:
            raise ValueError('PynamoDB cannot serialize an empty set here')
        if kinds == {str}:
            return {'SS': list(v)}
        if kinds <= {int, float}:
            return {'NS': [json.dumps(x) for x in v]}
        if kinds == {bytes}:
            return {'BS': list(v)}
        raise ValueError('mixed set')
    t = type(v)  # exact type: bool is not taken as int
    if t is dict:
        return {'M': {k: pyn_raw(x) for k, x in v.items()}}
    if t is list:
        return {'L': [pyn_raw(x) for x in v]}
    if t is bool:
        return {'BOOL': v}
    if t in (int, float):
        return {'N': json.dumps(v)}
    if t is str:
        return {'S': v}
    if t is bytes:
        return {'B': v}
    raise ValueError('unsupported value %r' % (v,))


def pyn_list(values, elem):
    """ListAttribute(of=elem).serialize: None elements become NULL."""
    if values is None:
        return None
    out = []
    for v in values:
        out.append({'NULL': True} if v is None else elem(v))
    return {'L': out}


def container(pairs):
    """AttributeContainer._container_serialize: None values are left out."""
    return {name: av for name, av in pairs if av is not None}


def pyn_address(a):
    return {'M': container([('street', pyn_string(a['street'])),
                            ('postal code', pyn_string(a.get('zip')))])}


def pyn_person(p):
    if p is None:
        return None
    home = p.get('home')
    return {'M': container([('name', pyn_string(p['name'])),
                            ('age', pyn_number(p.get('age'))),
                            ('home', None if home is None else pyn_address(home))])}


def pyn_line(ln):
    return {'M': container([('sku', pyn_string(ln['sku'])),
                            ('qty', pyn_number(ln['qty'])),
                            ('price', pyn_decimal(ln.get('price')))])}


def pyn_record(case, pk, version=1):
    """The item Record(...).save() sends: Model.serialize() plus the version
    attribute PynamoDB sets to (stored version + 1)."""
    c = case
    item = container([
        ('pk', pyn_string(pk)),
        ('sk', pyn_number(c['sk'])),
        ('text', pyn_string(c.get('text'))),
        ('count', pyn_number(c.get('count'))),
        ('ratio', pyn_number(c.get('ratio'))),
        ('amount', pyn_decimal(c.get('amount'))),
        ('flag', pyn_bool(c.get('flag'))),
        ('blob', pyn_binary(c.get('blob'))),
        ('at', pyn_utc(c.get('at'))),
        ('meta', pyn_json(c.get('meta'))),
        ('tags', pyn_strset(c.get('tags'))),
        ('scores', pyn_numset(c.get('scores'))),
        ('blobs', pyn_binset(c.get('blobs'))),
        ('words', pyn_list(c['words'], pyn_string)),
        ('counts', pyn_list(c.get('counts'), pyn_number)),
        ('lines', pyn_list(c.get('lines'), pyn_line)),
        ('stuff', pyn_list(c.get('stuff'), pyn_raw)),
        ('owner', pyn_person(c.get('owner'))),
        ('doc', None if c.get('doc') is None else pyn_raw(c['doc'])),
        ('nothing', pyn_null(c.get('nothing'))),
        ('expires', pyn_ttl(c.get('expires'))),
        ('version', pyn_version(version)),
        (LABEL_ATTR, pyn_string(c['label'])),
    ])
    # attributes another service wrote (kept by keep_unknown), given as
    # AttributeValues
    item.update(c.get('unknown') or {})
    return item


def pyn_shape(s):
    item = container([('id', pyn_string(s['id'])),
                      ('cls', pyn_string(s['kind'])),
                      ('name', pyn_string(s.get('name')))])
    if s['kind'] == 'Circle':
        item['radius'] = pyn_number(s['radius'])
    return item


# ---------------------------------------------------------------------------
# The cases: logical values, as a PynamoDB model instance would hold them.

def dt(*args):
    return datetime(*args, tzinfo=UTC)


ASTRAL = '\U0001D11E\U0001F600\U00010348'  # 𝄞 😀 𐍈 (4-byte UTF-8)

CASES = [
    {'name': 'full', 'sk': 1,
     'text': 'hello', 'count': 42, 'ratio': 1.5, 'amount': Decimal('12.50'),
     'flag': True, 'blob': b'\x00\x01\x02\xff', 'at': dt(2024, 1, 2, 3, 4, 5, 6),
     'meta': {'a': [1, 2.5, None], 'b': {'c': True}, 's': 'x"y\\z'},
     'tags': {'red', 'green'}, 'scores': {1, 2.5, -3}, 'blobs': {b'\x00', b'\x01\x02'},
     'words': ['alpha', 'beta'], 'counts': [1, -2, 3],
     'lines': [{'sku': 'A-1', 'qty': 2, 'price': Decimal('9.99')}, {'sku': 'B-2', 'qty': 1}],
     'stuff': ['s', 1, 2.5, True, None, b'\x00b', ['nested'], {'k': 'v'}, {'x', 'y'}],
     'owner': {'name': 'Ann', 'age': 37, 'home': {'street': 'Main St 1', 'zip': '0150'}},
     'doc': {'str': 'v', 'num': 7, 'float': 0.5, 'bool': False, 'none': None,
             'list': [1, 'two', None], 'map': {'deep': {'deeper': [{'x': 1}]}},
             'bin': b'\x00', 'ss': {'a', 'b'}, 'ns': {1, 2.25}, 'bs': {b'\x01', b'\x02'}},
     'nothing': True, 'expires': dt(2030, 1, 1), 'label': 'full'},
    {'name': 'unicode', 'sk': 2,
     'text': 'Grüße, 世界 — ' + ASTRAL + ' e\u0301 \u200d עברית \u2028 \x7f',
     'ratio': 123456.789, 'amount': Decimal('1E-130'),
     'meta': {'emoji': '\U0001F600', 'naïve': 'ü', 'ctl': '\n\t'},
     'tags': {'\U0001F600', 'é', 'e\u0301', ASTRAL},
     'words': ['', '\U0001F600', '\U0001D54F\U0001D550', 'tab\there'],
     'lines': [{'sku': 'ü-\U0001F600', 'qty': 0}],
     'stuff': ['\U0001F600', {'ключ': '\U0001F600'}],
     'owner': {'name': 'Zoë \U0001F469\u200d\U0001F4BB',
               'home': {'street': 'Straße \U0001D7D9'}},
     'doc': {'ключ': 'значение', '\U0001F600': {'\U0001F511': '\U0001F5DD'}, 'a.b[0]': 'dots'},
     'label': '\U0001F3F7 ' + ASTRAL},
    {'name': 'empty', 'sk': 3,
     'text': '', 'count': 0, 'ratio': 0.0, 'flag': False, 'blob': b'', 'meta': '',
     'tags': set(), 'scores': set(), 'blobs': set(),
     'words': [], 'counts': [], 'lines': [], 'stuff': [],
     'owner': {'name': ''}, 'doc': {}, 'label': ''},
    {'name': 'numbers', 'sk': -9223372036854775808,
     'count': 9223372036854775807, 'ratio': 1e+20,
     'amount': Decimal('12345678901234567890123456789012345678'),
     'scores': {0, -1, 1e+20, 2.5e-100, 123456789012345678, 0.1, -9223372036854775808},
     'words': ['n'], 'counts': [-9223372036854775808, 9223372036854775807, 0, -1],
     'lines': [{'sku': 'x', 'qty': -9223372036854775808,
                'price': Decimal('-0.00000000000000000000000000000000000001')}],
     'stuff': [1e-130, -1e+125, 0, -0.0, 10 ** 37, 1 / 3],
     'doc': {'big': 10 ** 37, 'neg': -1.5e-100, 'third': 1 / 3, 'int': -7},
     'expires': dt(9999, 12, 31, 23, 59, 59), 'label': 'numbers'},
    {'name': 'dt-min', 'sk': 5, 'at': dt(1, 1, 1, 0, 0, 0, 1), 'ratio': -2.5e-100,
     'amount': Decimal('-0.00000000000000000000000000000000000001'),
     'words': [], 'expires': dt(1970, 1, 1), 'label': 'dt-min'},
    {'name': 'dt-max', 'sk': 6, 'at': dt(9999, 12, 31, 23, 59, 59, 999999), 'ratio': 1 / 3,
     'amount': Decimal('9.9999999999999999999999999999999999999E+125'),
     'count': -9223372036854775808, 'words': [], 'label': 'dt-max'},
    {'name': 'binary', 'sk': 7,
     'blob': b'\x00\x00\xff\x00binary\x00', 'blobs': {b'\x00', b'\x00\x00', b'\xff\xfe\x00'},
     'words': [], 'stuff': [b'\x00\x01', {b'a\x00', b'\x00'}, b''],
     'doc': {'b': b'\x00\xff', 'bs': {b'\x00\x01', b'\x02'}, 'l': [b'\x00']},
     'label': 'binary'},
    {'name': 'sparse', 'sk': 8, 'words': [], 'label': 'sparse'},
    {'name': 'nested', 'sk': 9, 'words': ['w'],
     'owner': {'name': 'Bob', 'home': {'street': 'S'}},  # age and zip missing
     'lines': [{'sku': 'a', 'qty': 1}, {'sku': 'b', 'qty': 2, 'price': Decimal('0.5')},
               {'sku': 'c', 'qty': 3}],
     'stuff': [[[['deep']]], {'a': [{'b': [None, True]}]}, []],
     'doc': {'l1': {'l2': {'l3': {'l4': {'l5': {'l6': {'l7': {'l8': [1, [2, [3, {'end': None}]]]}}}}}}}},
     'label': 'nested'},
    {'name': 'unknown', 'sk': 10, 'words': [], 'text': 'declared', 'label': 'unknown',
     # attributes the schema does not declare, as another service wrote them
     'unknown': {'extra_s': {'S': 'x'}, 'extra_n': {'N': '1.50'},
                 'Extra Map': {'M': {'k': {'SS': ['a', 'b']}, 'n': {'NULL': True}}},
                 'ünï \U0001F600': {'L': [{'N': '1'}, {'B': b'\x00'}]},
                 'extra_null': {'NULL': True}, 'extra_b': {'B': b'\x00\xff'},
                 'extra_bs': {'BS': [b'\x00', b'\x01']}, 'extra_bool': {'BOOL': False}}},
]

SHAPES = [
    {'id': 'sq1', 'kind': 'Shape', 'name': 'Square \u25A2'},
    {'id': 'c1', 'kind': 'Circle', 'radius': 2.5},
    {'id': 'c2', 'kind': 'Circle', 'name': 'Big ' + ASTRAL, 'radius': 1e+20},
]


# ---------------------------------------------------------------------------
# The canonical JSON of a struct (interop_c.c prints it and reads it back):
# one member per C field; null for an absent nullable field; doubles as
# text; decimals and number set elements as text; bytes as base64;
# datetimes as {"sec", "usec"}; documents, untyped lists and unknown
# attributes as DynamoDB JSON with base64 B (typed JSON).

def b64(b):
    return base64.b64encode(b).decode('ascii')


def typed(av):
    """botocore AttributeValue -> typed JSON (B as base64)."""
    (tag, v), = av.items()
    if tag == 'B':
        return {'B': b64(v)}
    if tag == 'BS':
        return {'BS': [b64(x) for x in v]}
    if tag == 'L':
        return {'L': [typed(x) for x in v]}
    if tag == 'M':
        return {'M': {k: typed(x) for k, x in v.items()}}
    return {tag: list(v) if tag in ('SS', 'NS') else v}


def epoch_parts(d):
    delta = d - datetime(1970, 1, 1, tzinfo=UTC)
    return {'sec': delta.days * 86400 + delta.seconds, 'usec': delta.microseconds}


def canon_person(p):
    if p is None:
        return None
    home = p.get('home')
    return {'name': p['name'], 'age': p.get('age'),
            'home': None if home is None else {'street': home['street'], 'zip': home.get('zip')}}


def canon_line(ln):
    price = ln.get('price')
    return {'sku': ln['sku'], 'qty': ln['qty'], 'price': None if price is None else str(price)}


def canonical(case, pk, version=1):
    c = case
    opt = c.get

    def maybe(v, f):
        return None if v is None else f(v)

    return {
        'pk': pk, 'sk': c['sk'], 'text': opt('text'), 'count': opt('count'),
        'ratio': maybe(opt('ratio'), repr), 'amount': maybe(opt('amount'), str),
        'flag': opt('flag'), 'blob': maybe(opt('blob'), b64),
        'at': maybe(opt('at'), epoch_parts),
        'meta': maybe(opt('meta'), json.dumps),
        'tags': sorted(opt('tags') or ()),
        'scores': [json.dumps(x) for x in (opt('scores') or ())],
        'blobs': [b64(x) for x in (opt('blobs') or ())],
        'words': list(c['words']), 'counts': opt('counts'),
        'lines': maybe(opt('lines'), lambda v: [canon_line(x) for x in v]),
        'stuff': maybe(opt('stuff'), lambda v: typed(pyn_list(v, pyn_raw))),
        'owner': canon_person(opt('owner')),
        'doc': maybe(opt('doc'), lambda v: typed(pyn_raw(v))),
        'nothing': opt('nothing') is not None,
        'expires': maybe(opt('expires'), lambda v: calendar.timegm(v.utctimetuple())),
        'version': version, 'label': c['label'],
        'unknown': maybe(opt('unknown'), lambda v: {k: typed(x) for k, x in v.items()}),
    }


def canonical_shape(s, as_model):
    out = {'id': s['id'], 'kind': s['kind'], 'name': s.get('name')}
    if as_model == 'circle':
        out['radius'] = repr(s['radius'])
    return out


# ---------------------------------------------------------------------------
# Comparisons. Each records "where: field: expected X, got Y".

class Report:
    def __init__(self):
        self.mismatches = []
        self.checks = 0
        self.numeric_only = 0  # numbers equal by value, not by text

    def check(self, ok, where, path, exp, got, note=''):
        self.checks += 1
        if not ok:
            self.mismatches.append('%s: %s: expected %s, got %s%s' % (
                where, path or '(item)', short(exp), short(got), note))
        return ok


def short(v):
    s = repr(v)
    return s if len(s) <= 300 else s[:300] + '...'


def num(text):
    try:
        return Decimal(text)
    except Exception:
        return None


def typed_norm(t):
    """typed JSON -> a comparable value: numbers as Decimal, sets as sets."""
    (tag, v), = t.items()
    if tag == 'N':
        return ('N', num(v))
    if tag == 'NS':
        return ('NS', frozenset(num(x) for x in v))
    if tag in ('SS', 'BS'):
        return (tag, frozenset(v))
    if tag == 'L':
        return ('L', tuple(typed_norm(x) for x in v))
    if tag == 'M':
        return ('M', tuple(sorted((k, typed_norm(x)) for k, x in v.items())))
    return (tag, v)


def compare_typed(rep, where, path, exp, got):
    """Typed JSON values; descends into L and M to name the differing path."""
    if not (isinstance(got, dict) and len(got) == 1):
        return rep.check(False, where, path, exp, got, ' (not one typed value)')
    (etag, ev), = exp.items()
    (gtag, gv), = got.items()
    if etag != gtag:
        return rep.check(False, where, path + ' type', etag, gtag)
    if etag == 'L':
        if not rep.check(len(ev) == len(gv), where, path + ' length', len(ev), len(gv)):
            return False
        for i, (e, g) in enumerate(zip(ev, gv)):
            compare_typed(rep, where, '%s[%d]' % (path, i), e, g)
        return True
    if etag == 'M':
        rep.check(set(ev) == set(gv), where, path + ' member names', sorted(ev), sorted(gv))
        for k in ev:
            if k in gv:
                compare_typed(rep, where, '%s.%s' % (path, k), ev[k], gv[k])
        return True
    return rep.check(typed_norm(exp) == typed_norm(got), where, path, exp, got)


def compare_canonical(rep, where, exp, got, kinds):
    """Two canonical structs (dicts of C field -> value)."""
    if not isinstance(got, dict):
        rep.check(False, where, '', exp, got)
        return
    rep.check(set(exp) == set(got), where, 'fields', sorted(exp), sorted(got))
    for field, e in exp.items():
        if field not in got:
            continue
        g = got[field]
        kind = kinds.get(field, 'exact')
        if e is None or g is None or kind == 'exact':
            rep.check(e == g and type(e) is type(g), where, field, e, g)
        elif kind == 'double':
            rep.check(isinstance(g, str) and float(g) == float(e), where, field, e, g)
        elif kind == 'decimal':
            rep.check(isinstance(g, str) and num(g) == num(e), where, field, e, g)
        elif kind == 'set':
            rep.check(isinstance(g, list) and len(set(g)) == len(g) and set(g) == set(e),
                      where, field, sorted(e), g)
        elif kind == 'numset':
            rep.check(isinstance(g, list) and len(g) == len(e)
                      and {num(x) for x in g} == {num(x) for x in e}, where, field, e, g)
        elif kind == 'typed':
            compare_typed(rep, where, field, e, g)
        elif kind == 'typedmap':
            rep.check(set(e) == set(g), where, field + ' names', sorted(e), sorted(g))
            for k in e:
                if k in g:
                    compare_typed(rep, where, '%s[%r]' % (field, k), e[k], g[k])
        elif kind == 'lines':
            if rep.check(len(e) == len(g), where, field + ' length', len(e), len(g)):
                for i, (el, gl) in enumerate(zip(e, g)):
                    compare_canonical(rep, where + ' ' + field + '[%d]' % i, el, gl,
                                      {'price': 'decimal'})
        elif kind == 'person':
            compare_canonical(rep, where + ' owner', e, g, {'home': 'exact'})
        else:
            raise AssertionError(kind)


RECORD_KINDS = {'ratio': 'double', 'amount': 'decimal', 'tags': 'set', 'scores': 'numset',
                'blobs': 'set', 'lines': 'lines', 'stuff': 'typed', 'owner': 'person',
                'doc': 'typed', 'unknown': 'typedmap'}
SHAPE_KINDS = {'radius': 'double'}


def compare_wire(rep, where, path, exp, got, exact_numbers):
    """Two botocore AttributeValues: the type tag, then the value. S and B
    by their bytes; N by text, or by value when not exact_numbers; sets as
    sets; L in order; M by member name."""
    (etag, ev), = exp.items()
    (gtag, gv), = got.items()
    if not rep.check(etag == gtag, where, path + ' type', etag, gtag):
        return
    if etag == 'N':
        if ev == gv:
            rep.check(True, where, path, ev, gv)
        elif not exact_numbers and num(ev) == num(gv):
            rep.check(True, where, path, ev, gv)
            rep.numeric_only += 1
        else:
            rep.check(False, where, path, ev, gv,
                      '' if exact_numbers else ' (numerically different)')
    elif etag == 'NS':
        if exact_numbers:
            rep.check(sorted(ev) == sorted(gv), where, path, sorted(ev), sorted(gv))
        else:
            ok = len(ev) == len(gv) and {num(x) for x in ev} == {num(x) for x in gv}
            rep.check(ok, where, path, sorted(ev), sorted(gv))
            if ok and sorted(ev) != sorted(gv):
                rep.numeric_only += 1
    elif etag in ('SS', 'BS'):
        rep.check(len(ev) == len(gv) and set(ev) == set(gv), where, path, sorted(ev), sorted(gv))
    elif etag == 'L':
        if rep.check(len(ev) == len(gv), where, path + ' length', len(ev), len(gv)):
            for i, (e, g) in enumerate(zip(ev, gv)):
                compare_wire(rep, where, '%s[%d]' % (path, i), e, g, exact_numbers)
    elif etag == 'M':
        compare_item(rep, where, exp['M'], got['M'], exact_numbers, path + '.')
    else:  # S, B, BOOL, NULL
        rep.check(ev == gv and type(ev) is type(gv), where, path, ev, gv)


def compare_item(rep, where, exp, got, exact_numbers, prefix=''):
    missing = sorted(set(exp) - set(got))
    extra = {k: got[k] for k in sorted(set(got) - set(exp))}
    rep.check(not missing, where, prefix + 'attributes', 'also ' + repr(missing), 'absent')
    rep.check(not extra, where, prefix + 'attributes', 'none besides ' + repr(sorted(exp)),
              'also ' + repr(extra))
    for name, av in exp.items():
        if name in got:
            compare_wire(rep, where, prefix + name, av, got[name], exact_numbers)


# ---------------------------------------------------------------------------
# DynamoDB and the C program

class Env:
    def __init__(self, c_prog):
        self.c_prog = c_prog
        self.endpoint = os.environ.get('DDB_TEST_ENDPOINT', '')
        if not self.endpoint:
            fail('DDB_TEST_ENDPOINT is not set: this test needs a DynamoDB engine '
                 '(scripts/test.sh starts it and sets the variable)')
        try:
            import botocore.session
            from botocore.config import Config
            from botocore.exceptions import ClientError
        except ImportError as e:
            fail('botocore is not importable by %s (%s); run through scripts/test.sh, '
                 'which puts a python with botocore first on PATH' % (sys.executable, e))
        self.ClientError = ClientError
        # This process's own database where the engine allows it
        # (tests/support/engines.txt); interop_c uses the same key.
        self.key_id = 'interop%d%d' % (os.getpid(), int(time.time() * 1000))
        session = botocore.session.get_session()
        self.ddb = engines.botocore_client(session, self.key_id, 'secret',
                                           config=Config(retries={'max_attempts': 3}))
        self.c_env = dict(os.environ)
        self.c_env['DDB_INTEROP_KEY_ID'] = self.key_id
        self.wrapper = shlex.split(os.environ.get('DDB_TEST_C_WRAPPER', ''))

    def error_code(self, e):
        return e.response.get('Error', {}).get('Code', '?')

    def create_tables(self):
        # Only tables made here are deleted at the end (never one that was
        # there before, on an engine shared with others or DynamoDB itself).
        self.created = []
        self.ddb.create_table(
            TableName=RECORD_TABLE, BillingMode='PAY_PER_REQUEST',
            KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'},
                       {'AttributeName': 'sk', 'KeyType': 'RANGE'}],
            AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'},
                                  {'AttributeName': 'sk', 'AttributeType': 'N'}])
        self.created.append(RECORD_TABLE)
        self.ddb.create_table(
            TableName=SHAPE_TABLE, BillingMode='PAY_PER_REQUEST',
            KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'}],
            AttributeDefinitions=[{'AttributeName': 'id', 'AttributeType': 'S'}])
        self.created.append(SHAPE_TABLE)
        for t in (RECORD_TABLE, SHAPE_TABLE):
            self.ddb.get_waiter('table_exists').wait(
                TableName=t, WaiterConfig={'Delay': 1, 'MaxAttempts': 60})

    def delete_tables(self):
        for t in reversed(getattr(self, 'created', [])):
            try:
                self.ddb.delete_table(TableName=t)
            except Exception as e:  # reported, but the test result stands
                print('interop: warning: deleting table %s: %s' % (t, e), file=sys.stderr)

    def save_new(self, table, item):
        """PynamoDB's first save of a model with a version attribute."""
        kw = {}
        if table == RECORD_TABLE:
            kw = {'ConditionExpression': 'attribute_not_exists (#0)',
                  'ExpressionAttributeNames': {'#0': 'version'}}
        self.ddb.put_item(TableName=table, Item=item, **kw)

    def raw_get(self, table, key):
        r = self.ddb.get_item(TableName=table, Key=key, ConsistentRead=True)
        return r.get('Item')

    def c_argv(self, command):
        return self.wrapper + [self.c_prog, command]

    def run_c(self, command, request):
        try:
            p = subprocess.run(self.c_argv(command), input=json.dumps(request).encode('utf-8'),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=self.c_env, timeout=C_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as e:
            fail('running %s %s: %s' % (self.c_prog, command, e))
        err = p.stderr.decode('utf-8', 'replace')
        if p.returncode != 0:
            fail('%s %s exited with status %d:\n%s' % (self.c_prog, command, p.returncode, err))
        if err.strip():
            sys.stderr.write(err)
        try:
            return json.loads(p.stdout.decode('utf-8'))
        except ValueError as e:
            fail('%s %s printed no valid JSON (%s): %r' % (self.c_prog, command, e, p.stdout[:500]))


def record_key(pk, sk):
    return {'pk': {'S': pk}, 'sk': {'N': json.dumps(sk)}}


# ---------------------------------------------------------------------------
# The steps

def python_to_c(env, rep):
    pk = 'py2c'
    for case in CASES:
        env.save_new(RECORD_TABLE, pyn_record(case, pk))
    for s in SHAPES:
        env.save_new(SHAPE_TABLE, pyn_shape(s))
    out = env.run_c('get-records', {'pk': pk, 'sks': [c['sk'] for c in CASES]})
    by_sk = {c['sk']: c for c in CASES}
    for got in out['get']:
        case = by_sk[got['sk']]
        where = 'python->C get %s (sk %d)' % (case['name'], case['sk'])
        if rep.check(got['rc'] == 'OK', where, 'rc', 'OK', '%s %s' % (got['rc'], got.get('error'))):
            compare_canonical(rep, where, canonical(case, pk), got['item'], RECORD_KINDS)
    want_order = sorted(by_sk)
    got_order = [g.get('sk') for g in out['query']]
    rep.check(got_order == want_order, 'python->C query', 'range key order', want_order, got_order)
    rep.check(out['query_rc'] == 'OK', 'python->C query', 'rc', 'OK', out['query_rc'])
    pages = out['pages']
    rep.check(out['pages_rc'] == 'OK', 'python->C query pages', 'rc', 'OK', out['pages_rc'])
    rep.check([sk for p in pages for sk in p] == want_order, 'python->C query pages',
              'range keys of the pages', want_order, pages)
    rep.check(len(pages) >= (len(CASES) + 2) // 3, 'python->C query pages',
              'number of pages of 3', '>= %d' % ((len(CASES) + 2) // 3), len(pages))
    for got in out['query']:
        case = by_sk.get(got.get('sk'))
        if case is not None:
            compare_canonical(rep, 'python->C query %s' % case['name'], canonical(case, pk),
                              got, RECORD_KINDS)

    out = env.run_c('get-shapes', {'ids': [s['id'] for s in SHAPES]})
    for s, got in zip(SHAPES, out['shapes']):
        where = 'python->C shape %s' % s['id']
        if rep.check(got['shape_rc'] == 'OK', where, 'shape get rc', 'OK', got['shape_rc']):
            compare_canonical(rep, where + ' as shape', canonical_shape(s, 'shape'),
                              got['shape'], SHAPE_KINDS)
        if s['kind'] == 'Circle':
            if rep.check(got['circle_rc'] == 'OK', where, 'circle get rc', 'OK', got['circle_rc']):
                compare_canonical(rep, where + ' as circle', canonical_shape(s, 'circle'),
                                  got['circle'], SHAPE_KINDS)
        else:
            # like PynamoDB's Circle.get on a Shape item, which raises
            rep.check(got['circle_rc'] == 'DDB_ETYPE', where, 'circle get rc', 'DDB_ETYPE',
                      got['circle_rc'])


def c_to_python(env, rep):
    pk = 'c2py'
    recs = [canonical(case, pk, version=0) for case in CASES]  # never saved
    out = env.run_c('put-records', {'records': recs})
    # Both items went through the engine: DynamoDB normalises numbers, so
    # their texts must agree; an engine keeping the text written
    # (engines.txt: number_text_kept) keeps each writer's, equal by value.
    stored_exact = not engines.deviates('number_text_kept')
    for case, res in zip(CASES, out['put']):
        where = 'C->python %s (sk %d)' % (case['name'], case['sk'])
        if not rep.check(res['rc'] == 'OK', where, 'put rc', 'OK',
                         '%s %s' % (res['rc'], res.get('error'))):
            continue
        rep.check(res['version'] == 1, where, 'version after the first put', 1, res['version'])
        got = env.raw_get(RECORD_TABLE, record_key(pk, case['sk']))
        if not rep.check(got is not None, where, '', 'an item', None):
            continue
        compare_item(rep, where + ' vs PynamoDB encoding', pyn_record(case, pk), got, False)
        ref = env.raw_get(RECORD_TABLE, record_key('py2c', case['sk']))
        ref['pk'] = {'S': pk}
        compare_item(rep, where + ' vs the item Python stored', ref, got, stored_exact)

    shapes = [dict(canonical_shape(s, 'circle' if s['kind'] == 'Circle' else 'shape'),
                   id='c-' + s['id']) for s in SHAPES]
    out = env.run_c('put-shapes', {'shapes': shapes})
    for s, res in zip(SHAPES, out['put']):
        where = 'C->python shape %s' % s['id']
        if not rep.check(res['rc'] == 'OK', where, 'put rc', 'OK',
                         '%s %s' % (res['rc'], res.get('error'))):
            continue
        got = env.raw_get(SHAPE_TABLE, {'id': {'S': 'c-' + s['id']}})
        if rep.check(got is not None, where, '', 'an item', None):
            compare_item(rep, where + ' vs PynamoDB encoding', pyn_shape(dict(s, id='c-' + s['id'])),
                         got, False)


def locking(env, rep):
    pk, sk = 'lock', 1
    where = 'locking'
    case = CASES[0]
    key = record_key(pk, sk)
    env.save_new(RECORD_TABLE, pyn_record(case, pk, version=1))
    try:
        proc = subprocess.Popen(env.c_argv('lock'), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env.c_env)
    except OSError as e:
        fail('running %s lock: %s' % (env.c_prog, e))

    def step():
        line = proc.stdout.readline()
        if not line:
            proc.kill()
            _, err = proc.communicate()
            fail('%s lock stopped early (status %s):\n%s'
                 % (env.c_prog, proc.returncode, err.decode('utf-8', 'replace')))
        return json.loads(line.decode('utf-8'))

    proc.stdin.write((json.dumps({'pk': pk, 'sk': sk}) + '\n').encode())
    proc.stdin.flush()
    s = step()  # C read the item and updated it
    rep.check(s.get('read_version') == 1, where, 'version C read', 1, s.get('read_version'))
    rep.check(s.get('update_rc') == 'OK', where, "C's update rc", 'OK', s.get('update_rc'))
    rep.check(s.get('version') == 2, where, 'version after C updated', 2, s.get('version'))
    raw = env.raw_get(RECORD_TABLE, key)
    rep.check(raw['version'] == {'N': '2'}, where, 'stored version after C updated',
              {'N': '2'}, raw['version'])
    rep.check(raw['text'] == {'S': 'updated by C'}, where, 'stored text after C updated',
              {'S': 'updated by C'}, raw['text'])

    # Python's stale copy (version 1) saves as PynamoDB does: version = 1
    stale = dict(case, text='stale python')
    code = 'none'
    try:
        env.ddb.put_item(TableName=RECORD_TABLE, Item=pyn_record(stale, pk, version=2),
                         ConditionExpression='#0 = :0', ExpressionAttributeNames={'#0': 'version'},
                         ExpressionAttributeValues={':0': {'N': '1'}})
    except env.ClientError as e:
        code = env.error_code(e)
    rep.check(code == 'ConditionalCheckFailedException', where, "Python's stale save",
              'ConditionalCheckFailedException', code)
    # a fresh Python copy (version 2) saves: version = 2, writes 3
    fresh = dict(case, text='saved by python')
    code = 'OK'
    try:
        env.ddb.put_item(TableName=RECORD_TABLE, Item=pyn_record(fresh, pk, version=3),
                         ConditionExpression='#0 = :0', ExpressionAttributeNames={'#0': 'version'},
                         ExpressionAttributeValues={':0': {'N': '2'}})
    except env.ClientError as e:
        code = env.error_code(e)
    rep.check(code == 'OK', where, "Python's fresh save", 'OK', code)

    proc.stdin.write(b'go\n')
    proc.stdin.flush()
    s = step()  # C's stale update, never-saved put, refresh + put
    rep.check(s.get('stale_update_rc') == 'DDB_ECONDITION', where, "C's stale update",
              'DDB_ECONDITION', s.get('stale_update_rc'))
    rep.check(s.get('new_put_rc') == 'DDB_ECONDITION', where, "C's put of a never-saved object",
              'DDB_ECONDITION', s.get('new_put_rc'))
    rep.check(s.get('refresh_rc') == 'OK', where, "C's refresh", 'OK', s.get('refresh_rc'))
    rep.check(s.get('refreshed_version') == 3, where, 'version C refreshed', 3,
              s.get('refreshed_version'))
    rep.check(s.get('refreshed_text') == 'saved by python', where, 'text C refreshed',
              'saved by python', s.get('refreshed_text'))
    rep.check(s.get('put_rc') == 'OK', where, "C's put after refresh", 'OK', s.get('put_rc'))
    rep.check(s.get('version') == 4, where, 'version after C saved', 4, s.get('version'))
    _, err = proc.communicate(timeout=C_TIMEOUT)
    if proc.returncode != 0:
        fail('%s lock exited with status %d:\n%s'
             % (env.c_prog, proc.returncode, err.decode('utf-8', 'replace')))
    if err.strip():
        sys.stderr.write(err.decode('utf-8', 'replace'))
    raw = env.raw_get(RECORD_TABLE, key)
    compare_item(rep, where + ' final item', pyn_record(fresh, pk, version=4), raw, False)


def typed_list_with_null(env, rep):
    pk, sk = 'edge', 1
    where = 'typed list with a None element'
    item = pyn_record({'sk': sk, 'words': ['a', None], 'label': 'edge'}, pk)
    rep.check(item['words'] == {'L': [{'S': 'a'}, {'NULL': True}]}, where, 'PynamoDB encoding',
              {'L': [{'S': 'a'}, {'NULL': True}]}, item['words'])
    env.save_new(RECORD_TABLE, item)
    out = env.run_c('get-records', {'pk': pk, 'sks': [sk], 'no_query': True})
    got = out['get'][0]
    rep.check(got['rc'] == 'DDB_ETYPE', where, 'C get rc', 'DDB_ETYPE', got['rc'])
    msg = got.get('error') or ''
    rep.check('words' in msg and 'element 1' in msg and 'NULL' in msg, where, 'C error message',
              'naming words, element 1 and NULL', msg)


def legacy_datetime(env, rep):
    """PynamoDB before 5.1 wrote years < 1000 unpadded on glibc (strftime);
    6.1 still reads them (UTCDateTimeAttribute.deserialize: zfill(31))."""
    pk = 'legacy'
    texts = {1: ('999-12-31T23:59:59.000001+0000', dt(999, 12, 31, 23, 59, 59, 1)),
             2: ('1-01-01T00:00:00.000000+0000', dt(1, 1, 1))}
    for sk, (text, _) in texts.items():
        item = pyn_record({'sk': sk, 'words': [], 'label': 'legacy'}, pk)
        item['at'] = {'S': text}
        env.save_new(RECORD_TABLE, item)
    out = env.run_c('get-records', {'pk': pk, 'sks': sorted(texts), 'no_query': True})
    for got in out['get']:
        text, value = texts[got['sk']]
        where = 'legacy datetime %r' % text
        if rep.check(got['rc'] == 'OK', where, 'C get rc', 'OK',
                     '%s %s' % (got['rc'], got.get('error'))):
            rep.check(got['item']['at'] == epoch_parts(value), where, 'at',
                      epoch_parts(value), got['item']['at'])


def main(argv):
    if len(argv) != 2:
        fail('usage: pynamo_side.py PATH/TO/interop_c')
    c_prog = argv[1]
    if not os.access(c_prog, os.X_OK):
        fail('%s is not an executable' % c_prog)
    env = Env(c_prog)
    rep = Report()
    try:
        env.create_tables()
    except Exception as e:
        fail('cannot create the tables at %s: %s' % (env.endpoint, e))
    try:
        for name, fn in (('python->C', python_to_c), ('C->python', c_to_python),
                         ('locking', locking), ('typed list with None', typed_list_with_null),
                         ('legacy datetime', legacy_datetime)):
            before = len(rep.mismatches)
            fn(env, rep)
            print('interop: %-22s %d mismatches' % (name, len(rep.mismatches) - before))
    finally:
        env.delete_tables()
    print('interop: %d checks; %d numbers equal to PynamoDB\'s only by value (DynamoDB '
          'normalised their text)' % (rep.checks, rep.numeric_only))
    if rep.mismatches:
        for m in rep.mismatches:
            print('MISMATCH ' + m)
        fail('%d of %d checks failed' % (len(rep.mismatches), rep.checks))
    print('interop: OK')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
