#!/usr/bin/env python3
"""Golden test of the generator: for every case folder GOLDEN_DIR/<case>/,
run ddbc on the schema its `schema` file names (one line: a path relative
to ROOT, the repository) and compare every generated file, whole, with the
copy in the folder. Also checks that a second run produces byte-identical
output. Cases are discovered from the folders: adding one is adding a
folder with its `schema` file (then DDB_UPDATE_GOLDEN=1 writes the rest).

Usage: golden.py DDBC GOLDEN_DIR ROOT
With DDB_UPDATE_GOLDEN=1 the expected files are (re)written instead.
"""
import difflib
import os
import subprocess
import sys
import tempfile


def run_ddbc(ddbc, schema, outdir):
    proc = subprocess.run([ddbc, "-o", outdir, schema], capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"ddbc failed with {proc.returncode}:\n{proc.stderr}")
        return None
    return {name: open(os.path.join(outdir, name), "rb").read() for name in sorted(os.listdir(outdir))}


def check_case(ddbc, schema, expected_dir):
    """0 when the output of ddbc on `schema` matches `expected_dir`."""
    schema_dir = os.path.dirname(os.path.abspath(schema))
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        # Run from the schema's folder so the banner names the file alone.
        os.chdir(schema_dir)
        got = run_ddbc(ddbc, os.path.basename(schema), first)
        again = run_ddbc(ddbc, os.path.basename(schema), second)
        os.chdir(cwd)
    if got is None or again is None:
        return 1
    if got != again:
        print("ddbc output differs between two runs on the same input")
        return 1
    if not got:
        print("ddbc wrote no files")
        return 1
    if os.environ.get("DDB_UPDATE_GOLDEN") == "1":
        os.makedirs(expected_dir, exist_ok=True)
        for name, data in got.items():
            with open(os.path.join(expected_dir, name), "wb") as f:
                f.write(data)
        print(f"updated {len(got)} golden file(s) in {expected_dir}")
        return 0
    failed = False
    for name in sorted(os.listdir(expected_dir)):
        if name != "schema" and name not in got:
            print(f"{os.path.join(expected_dir, name)} is not generated any more (delete it)")
            failed = True
    for name, data in got.items():
        path = os.path.join(expected_dir, name)
        if not os.path.exists(path):
            print(f"missing expected file {path} (run with DDB_UPDATE_GOLDEN=1)")
            failed = True
            continue
        want = open(path, "rb").read()
        if want != data:
            failed = True
            diff = difflib.unified_diff(want.decode().splitlines(True), data.decode().splitlines(True),
                                        fromfile=path, tofile="generated/" + name)
            sys.stdout.writelines(diff)
    if failed:
        return 1
    print(f"{len(got)} file(s) identical to {expected_dir}")
    return 0


def main():
    ddbc, golden_dir, root = (os.path.abspath(p) for p in sys.argv[1:4])
    cases = sorted(d for d in os.listdir(golden_dir) if os.path.isfile(os.path.join(golden_dir, d, "schema")))
    if not cases:
        sys.exit(f"no golden cases (folders with a `schema` file) in {golden_dir}")
    failed = []
    for case in cases:
        with open(os.path.join(golden_dir, case, "schema"), encoding="utf-8") as f:
            schema = os.path.join(root, f.read().strip())
        print(f"== {case} ({os.path.relpath(schema, root)})")
        if check_case(ddbc, schema, os.path.join(golden_dir, case)) != 0:
            failed.append(case)
    print(f"{len(cases) - len(failed)} of {len(cases)} golden cases as expected")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
