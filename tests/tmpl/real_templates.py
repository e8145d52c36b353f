#!/usr/bin/env python3
"""The real templates under Jinja2: for every golden case, the context ddbc
builds (dumped as JSON by context_json) rendered with Jinja2 from
templates/*.j2 must give exactly the golden files ddbc writes. This checks
that the context is plain data and that the templates stay within the
Jinja2 subset docs/templates.md promises.

    real_templates.py CONTEXT_JSON ROOT

Exits 77 (skipped) without jinja2.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import jinja2
    from jinja_diff import c_comment, c_ident, c_string
except ImportError:
    print("jinja2 is not installed: skipped")
    sys.exit(77)

OUTPUTS = [("header.h.j2", ".h"), ("source.c.j2", ".c")]


def main():
    context_json, root = sys.argv[1], os.path.abspath(sys.argv[2])
    golden = os.path.join(root, "tests", "golden", "expected")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(root, "templates")),
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["c_ident"] = c_ident
    env.filters["c_string"] = c_string
    env.filters["c_comment"] = c_comment
    cases = sorted(d for d in os.listdir(golden) if os.path.isfile(os.path.join(golden, d, "schema")))
    failures = checked = 0
    for case in cases:
        with open(os.path.join(golden, case, "schema"), encoding="utf-8") as f:
            schema = os.path.join(root, f.read().strip())
        p = subprocess.run([context_json, schema], capture_output=True)
        if p.returncode != 0:
            print(f"FAIL {case}: context_json failed:\n{p.stderr.decode('utf-8', 'replace')}")
            failures += 1
            continue
        variables = json.loads(p.stdout.decode("utf-8"))
        stem = os.path.splitext(os.path.basename(schema))[0]
        for template, suffix in OUTPUTS:
            checked += 1
            want = open(os.path.join(golden, case, stem + suffix), encoding="utf-8").read()
            try:
                got = env.get_template(template).render(**variables)
            except jinja2.TemplateError as e:
                print(f"FAIL {case}/{template}: Jinja2: {type(e).__name__}: {e}")
                failures += 1
                continue
            if got != want:
                import difflib
                print(f"FAIL {case}/{template}: Jinja2's output differs from ddbc's")
                sys.stdout.writelines(list(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                                "ddbc", "jinja2"))[:40])
                failures += 1
            else:
                print(f"ok   {case}/{template}")
    print(f"{checked - failures} of {checked} renderings agree")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
