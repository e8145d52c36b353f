#!/usr/bin/env python3
"""Differential test: renders every template of a corpus with Jinja2 and with
the C engine (tmpl_cli) and compares the outputs byte for byte.

    jinja_diff.py TMPL_CLI CORPUS_DIR

CORPUS_DIR holds the cases (*.j2), partials for include and import (_*.j2,
not rendered on their own) and vars.json, the variables of every case.
Cases named err_*.j2 must fail in both engines (messages differ by design).
Jinja2 runs as the C engine behaves: trim_blocks, lstrip_blocks,
keep_trailing_newline and StrictUndefined. Exits 77 (skipped) without jinja2.
"""
import json
import os
import subprocess
import sys

try:
    import jinja2
except ImportError:
    print("jinja2 is not installed: skipped")
    sys.exit(77)


def _c_words():
    """The words of generator/c_words.c (keywords, macros), read from the source."""
    import re
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "generator", "c_words.c")
    src = open(path, encoding="utf-8").read()
    lists = re.findall(r"static const char \*const \w+\[\] = \{(.*?)\};", src, re.S)
    return {w for body in lists for w in re.findall(r'"([^"]+)"', body)}


C_WORDS = _c_words()


def c_ident(value):
    """The C engine's c_ident: [A-Za-z0-9_] kept, other bytes '_', no leading
    digit; an 'x' before a reserved __x or _X, a '_' after a C or C++ word."""
    out = "".join(chr(b) if chr(b).isascii() and (chr(b).isalnum() or b == 0x5F) else "_"
                  for b in str(value).encode("utf-8"))
    out = "_" + out if out == "" or out[0].isdigit() else out
    if out[0] == "_" and len(out) > 1 and (out[1] == "_" or "A" <= out[1] <= "Z"):
        out = "x" + out
    return out + "_" if out in C_WORDS else out


def _comment_blank(cp):
    return (cp < 0x20 or 0x7F <= cp <= 0x9F or cp in (0x2028, 0x2029, 0x061C, 0x200E, 0x200F)
            or 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069)


def c_comment(value):
    """The C engine's c_comment: one line of text safe inside a C comment."""
    data = str(value).encode("utf-8", "surrogatepass")
    out = []

    def put(ch):
        split = (out and ((ch == "/" and out[-1] == "*") or (ch == "*" and out[-1] == "/"))) or \
                (len(out) >= 2 and out[-1] == "?" and out[-2] == "?" and ch in "=/'()!<>-")
        if split:
            out.append(" ")
        out.append(ch)

    i = 0
    while i < len(data):
        b = data[i]
        n = 1 if b < 0x80 else 2 if b >> 5 == 6 else 3 if b >> 4 == 14 else 4 if b >> 3 == 30 else 0
        try:
            ch = data[i:i + n].decode("utf-8") if n else None
        except UnicodeDecodeError:
            ch = None
        if ch is None or len(ch) != 1:
            put("?")
            i += 1
        elif _comment_blank(ord(ch)):
            put(" ")
            i += n
        else:
            for c in ch:
                put(c)
            i += n
    text = "".join(out).rstrip(" ")
    return text + "." if text.endswith("\\") else text


def c_string(value):
    """The C engine's c_string: a pure-ASCII C string literal body."""
    named = {0x5C: "\\\\", 0x22: '\\"', 0x0A: "\\n", 0x09: "\\t"}
    out, prev = [], None
    for b in str(value).encode("utf-8"):
        if b in named:
            out.append(named[b])
        elif b == 0x3F and prev == 0x3F:
            out.append("\\?")
        elif b < 0x20 or b >= 0x7F:
            out.append("\\%03o" % b)
        else:
            out.append(chr(b))
        prev = b
    return "".join(out)


def render_jinja(env, name, variables):
    try:
        return env.get_template(name).render(**variables), None
    except jinja2.TemplateError as e:
        return None, f"{type(e).__name__}: {e}"
    except (TypeError, ValueError) as e:
        return None, f"{type(e).__name__}: {e}"


def render_c(cli, corpus, name, vars_path):
    p = subprocess.run([cli, corpus, name, vars_path], capture_output=True)
    if p.returncode == 0:
        return p.stdout.decode("utf-8"), None
    return None, p.stderr.decode("utf-8", "replace").strip()


def main():
    cli, corpus = sys.argv[1], sys.argv[2]
    vars_path = os.path.join(corpus, "vars.json")
    with open(vars_path, encoding="utf-8") as f:
        variables = json.load(f)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(corpus),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["c_ident"] = c_ident
    env.filters["c_string"] = c_string
    env.filters["c_comment"] = c_comment
    names = sorted(n for n in os.listdir(corpus) if n.endswith(".j2") and not n.startswith("_"))
    failures = 0
    for name in names:
        want, want_err = render_jinja(env, name, variables)
        got, got_err = render_c(cli, corpus, name, vars_path)
        must_fail = name.startswith("err_")
        if must_fail and want_err and got_err:
            print(f"ok   {name}: both fail\n       jinja2: {want_err}\n       ddbc:   {got_err}")
            continue
        if not must_fail and want_err is None and got == want:
            print(f"ok   {name}")
            continue
        failures += 1
        print(f"FAIL {name}")
        print(f"  jinja2: {want!r}" if want_err is None else f"  jinja2 error: {want_err}")
        print(f"  ddbc:   {got!r}" if got_err is None else f"  ddbc error:   {got_err}")
    print(f"{len(names) - failures}/{len(names)} cases agree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
