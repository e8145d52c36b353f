#!/usr/bin/env python3
"""Compile tests of the public headers and generated code, as C or C++.

  compile_check.py [--c++] cases CC INCLUDES... -- GOLDEN_DIR
      C: every .c of every golden case (GOLDEN_DIR/<case>/) must compile
      with CC -std=c11 -Wall -Wextra -Wpedantic -Werror. C++ (--c++, CC a
      C++ compiler): every case's header, included twice, must compile with
      CC -std=c++17 and the same warnings.
  compile_check.py [--c++] header CC INCLUDES... -- HEADER...
      Each HEADER (a name such as ddb/av.h) must compile alone, first in a
      translation unit and included twice, with the strict flags.
  compile_check.py [--c++] misuse CC INCLUDES... -- MISUSE_DIR GOLDEN_DIR
      Every .c (C++: .cc) in MISUSE_DIR is a case, compiled against the
      golden case whose header it includes (#include "rich.h" ->
      GOLDEN_DIR/rich/): with a line `// expect-error: REGEX` it must FAIL
      to compile with CC -std=c11 (C++: -std=c++17; no -Werror: the misuse
      must be a hard error) and the compiler's output must match REGEX;
      with `// expect: ok` (a control) it must compile with the strict
      flags.
INCLUDES are directories passed as -I. Cases are discovered from their
folders: adding one is adding a file. C cases: tests/compile_fail; C++
cases: tests/cxx/compile_fail.
"""
import os
import re
import subprocess
import sys
import tempfile

WARNINGS = ["-Wall", "-Wextra", "-Wpedantic", "-Werror"]
# What differs between the languages: standard, forced language, file suffix.
LANGS = {
    "c": {"std": "-std=c11", "x": [], "suffix": ".c", "name": "C11"},
    "c++": {"std": "-std=c++17", "x": ["-x", "c++"], "suffix": ".cc", "name": "C++17"},
}
LANG = LANGS["c"]


def compile_one(cc, includes, path, flags):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [cc, *LANG["x"], *flags, *[f"-I{d}" for d in includes], "-c", path,
               "-o", os.path.join(tmp, "x.o")]
        return subprocess.run(cmd, capture_output=True, text=True)


def strict_ok(cc, includes, path, label):
    """Compiles `path` with the strict flags; prints the outcome; 1 on failure."""
    proc = compile_one(cc, includes, path, [LANG["std"], *WARNINGS])
    if proc.returncode != 0:
        print(f"FAIL {label}: does not compile as {LANG['name']} with {cc}:\n{proc.stderr}")
        return 1
    print(f"ok   {label}")
    return 0


def unit_including(tmp, name):
    """A translation unit that includes `name` twice and nothing else first."""
    unit = os.path.join(tmp, "alone" + LANG["suffix"])
    with open(unit, "w") as f:
        f.write(f"#include <{name}>\n#include <{name}>\nint alone_unit_is_not_empty;\n")
    return unit


def golden_cases(golden_dir):
    cases = sorted(d for d in os.listdir(golden_dir) if os.path.isdir(os.path.join(golden_dir, d)))
    if not cases:
        sys.exit(f"no golden cases in {golden_dir}")
    return cases


def check_headers(cc, includes, headers):
    failures = 0
    for name in headers:
        with tempfile.TemporaryDirectory() as tmp:
            failures += strict_ok(cc, includes, unit_including(tmp, name), name)
    return failures, len(headers)


def check_cases(cc, includes, golden_dir):
    failures = total = 0
    for case in golden_cases(golden_dir):
        d = os.path.join(golden_dir, case)
        # C: the case's own .c files; C++: its headers (its .c files are C).
        wanted = ".c" if LANG is LANGS["c"] else ".h"
        for name in sorted(n for n in os.listdir(d) if n.endswith(wanted)):
            total += 1
            if wanted == ".c":
                failures += strict_ok(cc, includes + [d], os.path.join(d, name), f"{case}/{name}")
                continue
            with tempfile.TemporaryDirectory() as tmp:
                failures += strict_ok(cc, includes + [d], unit_including(tmp, name), f"{case}/{name}")
    return failures, total


def check_misuse(cc, includes, misuse_dir, golden_dir):
    failures = total = 0
    for name in sorted(os.listdir(misuse_dir)):
        if not name.endswith(LANG["suffix"]):
            continue
        total += 1
        path = os.path.join(misuse_dir, name)
        with open(path) as f:
            text = f.read()
        inc = re.search(r'#include\s+"(\w+)\.h"', text)
        if not inc or not os.path.isdir(os.path.join(golden_dir, inc.group(1))):
            print(f"FAIL {name}: includes no golden case's header")
            failures += 1
            continue
        case_includes = includes + [os.path.join(golden_dir, inc.group(1))]
        err = re.search(r"//\s*expect-error:\s*(.+)", text)
        if re.search(r"//\s*expect:\s*ok\b", text):
            failures += strict_ok(cc, case_includes, path, f"{name} (control)")
            continue
        if not err:
            print(f"FAIL {name}: neither '// expect-error: REGEX' nor '// expect: ok'")
            failures += 1
            continue
        proc = compile_one(cc, case_includes, path, [LANG["std"]])
        if proc.returncode == 0:
            print(f"FAIL {name}: compiled with {cc}, but the misuse must be an error")
            failures += 1
        elif not re.search(err.group(1).strip(), proc.stderr):
            print(f"FAIL {name}: error output does not match /{err.group(1).strip()}/:\n{proc.stderr}")
            failures += 1
        else:
            print(f"ok   {name} (rejected as expected)")
    return failures, total


def main():
    global LANG
    args = sys.argv[1:]
    if args and args[0] == "--c++":
        LANG = LANGS["c++"]
        args = args[1:]
    mode, cc = args[0], args[1]
    sep = args.index("--")
    includes, rest = args[2:sep], args[sep + 1:]
    if mode == "header":
        failures, total = check_headers(cc, includes, rest)
    elif mode == "cases":
        failures, total = check_cases(cc, includes, rest[0])
    elif mode == "misuse":
        failures, total = check_misuse(cc, includes, rest[0], rest[1])
    else:
        sys.exit(f"unknown mode {mode}")
    if total == 0:
        sys.exit("no files checked")
    print(f"{total - failures} of {total} as expected with {cc}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
