#!/usr/bin/env python3
"""C++ compile tests of the public headers and generated code.

  cxx_check.py header CXX INCLUDES... -- HEADER...
      Each HEADER (ddb/av.h) compiles alone, twice, as C++17 with
      CXX -std=c++17 -Wall -Wextra -Wpedantic -Werror.
  cxx_check.py cases CXX INCLUDES... -- GOLDEN_DIR
      The header of every golden case (GOLDEN_DIR/<case>/<case>.h) compiles
      as C++17 with those flags.
  cxx_check.py misuse CXX INCLUDES... -- MISUSE_DIR GOLDEN_DIR
      Every .cc in MISUSE_DIR is a case against the golden case whose
      header it includes: with `// expect-error: REGEX` it must FAIL to
      compile with CXX -std=c++17 (no -Werror: a hard error) and the output
      must match REGEX; with `// expect: ok` (a control) it must compile with
      the strict flags. The C cases are tests/compile_fail (compile_check.py).
"""
import os
import re
import subprocess
import sys
import tempfile

STRICT = ["-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]


def compile_one(cxx, includes, path, flags):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [cxx, "-x", "c++", *flags, *[f"-I{d}" for d in includes], "-c", path,
               "-o", os.path.join(tmp, "x.o")]
        return subprocess.run(cmd, capture_output=True, text=True)


def strict_ok(cxx, includes, path, label):
    proc = compile_one(cxx, includes, path, STRICT)
    if proc.returncode != 0:
        print(f"FAIL {label}: does not compile as C++17 with {cxx}:\n{proc.stderr}")
        return 1
    print(f"ok   {label}")
    return 0


def unit_including(tmp, names):
    unit = os.path.join(tmp, "unit.cc")
    with open(unit, "w") as f:
        f.write("".join(f"#include <{n}>\n" for n in names) + "int unit_is_not_empty;\n")
    return unit


def check_headers(cxx, includes, headers):
    failures = 0
    for name in headers:
        with tempfile.TemporaryDirectory() as tmp:
            failures += strict_ok(cxx, includes, unit_including(tmp, [name, name]), name)
    return failures, len(headers)


def check_cases(cxx, includes, golden_dir):
    failures = total = 0
    for case in sorted(os.listdir(golden_dir)):
        d = os.path.join(golden_dir, case)
        if not os.path.isdir(d):
            continue
        for name in sorted(n for n in os.listdir(d) if n.endswith(".h")):
            total += 1
            with tempfile.TemporaryDirectory() as tmp:
                failures += strict_ok(cxx, includes + [d], unit_including(tmp, [name, name]),
                                      f"{case}/{name}")
    return failures, total


def check_misuse(cxx, includes, misuse_dir, golden_dir):
    failures = total = 0
    for name in sorted(os.listdir(misuse_dir)):
        if not name.endswith(".cc"):
            continue
        total += 1
        path = os.path.join(misuse_dir, name)
        text = open(path, encoding="utf-8").read()
        inc = re.search(r'#include "([^"/]+)\.h"', text)
        if not inc or not os.path.isdir(os.path.join(golden_dir, inc.group(1))):
            print(f"FAIL {name}: includes no golden case's header")
            failures += 1
            continue
        case_includes = includes + [os.path.join(golden_dir, inc.group(1))]
        err = re.search(r"//\s*expect-error:\s*(.+)", text)
        if re.search(r"//\s*expect:\s*ok\b", text):
            failures += strict_ok(cxx, case_includes, path, f"{name} (control)")
            continue
        if not err:
            print(f"FAIL {name}: neither '// expect-error: REGEX' nor '// expect: ok'")
            failures += 1
            continue
        proc = compile_one(cxx, case_includes, path, ["-std=c++17"])
        if proc.returncode == 0:
            print(f"FAIL {name}: compiled with {cxx}, but the misuse must be an error")
            failures += 1
        elif not re.search(err.group(1).strip(), proc.stderr):
            print(f"FAIL {name}: error output does not match /{err.group(1).strip()}/:\n{proc.stderr}")
            failures += 1
        else:
            print(f"ok   {name} (rejected as expected)")
    return failures, total


def main():
    mode, cxx = sys.argv[1], sys.argv[2]
    sep = sys.argv.index("--")
    includes, rest = sys.argv[3:sep], sys.argv[sep + 1:]
    if mode == "header":
        failures, total = check_headers(cxx, includes, rest)
    elif mode == "cases":
        failures, total = check_cases(cxx, includes, rest[0])
    elif mode == "misuse":
        failures, total = check_misuse(cxx, includes, rest[0], rest[1])
    else:
        sys.exit(f"unknown mode {mode}")
    if total == 0:
        sys.exit("no files checked")
    print(f"{total - failures} of {total} as expected with {cxx}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
