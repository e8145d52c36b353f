#!/usr/bin/env python3
"""Compile tests of generated code.

  compile_check.py ok CC INCLUDES... -- FILE...
      Each FILE must compile with CC -std=c11 -Wall -Wextra -Wpedantic -Werror.
  compile_check.py header CC INCLUDES... -- HEADER...
      Each HEADER (a name such as ddb/av.h) must compile alone, first in a
      translation unit, with the strict flags.
  compile_check.py fail CC INCLUDES... -- FILE...
      Each FILE must FAIL to compile with CC -std=c11 (no -Werror: the
      misuse must be a hard error), and the compiler's output must match the
      regular expression on the FILE's line `// expect-error: REGEX`.
INCLUDES are directories passed as -I.
"""
import os
import re
import subprocess
import sys
import tempfile

STRICT = ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]


def compile_one(cc, includes, path, flags):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [cc, *flags, *[f"-I{d}" for d in includes], "-c", path, "-o", os.path.join(tmp, "x.o")]
        return subprocess.run(cmd, capture_output=True, text=True)


def main():
    mode, cc = sys.argv[1], sys.argv[2]
    sep = sys.argv.index("--")
    includes, files = sys.argv[3:sep], sys.argv[sep + 1:]
    if not files:
        sys.exit("no files given")
    failures = 0
    for path in files:
        if mode == "header":
            with tempfile.TemporaryDirectory() as tmp:
                unit = os.path.join(tmp, "alone.c")
                with open(unit, "w") as f:
                    f.write(f"#include <{path}>\n#include <{path}>\nint alone_unit_is_not_empty;\n")
                proc = compile_one(cc, includes, unit, STRICT)
            if proc.returncode != 0:
                print(f"FAIL {path}: does not compile alone with {cc}:\n{proc.stderr}")
                failures += 1
            else:
                print(f"ok   {path}")
            continue
        if mode == "ok":
            proc = compile_one(cc, includes, path, STRICT)
            if proc.returncode != 0:
                print(f"FAIL {path}: did not compile with {cc}:\n{proc.stderr}")
                failures += 1
            else:
                print(f"ok   {path}")
            continue
        text = open(path).read()
        m = re.search(r"//\s*expect-error:\s*(.+)", text)
        if not m:
            print(f"FAIL {path}: no '// expect-error: REGEX' line")
            failures += 1
            continue
        proc = compile_one(cc, includes, path, ["-std=c11"])
        if proc.returncode == 0:
            print(f"FAIL {path}: compiled with {cc}, but the misuse must be an error")
            failures += 1
        elif not re.search(m.group(1).strip(), proc.stderr):
            print(f"FAIL {path}: error output does not match /{m.group(1).strip()}/:\n{proc.stderr}")
            failures += 1
        else:
            print(f"ok   {path} (rejected as expected)")
    print(f"{len(files) - failures} of {len(files)} as expected with {cc}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
