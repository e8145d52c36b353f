#!/usr/bin/env python3
"""Golden test of the generator: run ddbc on one schema and compare every
generated file, whole, with the expected copy. Also checks that a second
run produces byte-identical output.

Usage: golden.py DDBC SCHEMA EXPECTED_DIR
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
        sys.exit(f"ddbc failed with {proc.returncode}:\n{proc.stderr}")
    return {name: open(os.path.join(outdir, name), "rb").read() for name in sorted(os.listdir(outdir))}


def main():
    ddbc, schema, expected_dir = (os.path.abspath(p) for p in sys.argv[1:4])
    schema_dir = os.path.dirname(os.path.abspath(schema))
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        # Run from the schema's folder so the banner names the file alone.
        os.chdir(schema_dir)
        got = run_ddbc(ddbc, os.path.basename(schema), first)
        again = run_ddbc(ddbc, os.path.basename(schema), second)
    if got != again:
        sys.exit("ddbc output differs between two runs on the same input")
    if not got:
        sys.exit("ddbc wrote no files")
    if os.environ.get("DDB_UPDATE_GOLDEN") == "1":
        os.makedirs(expected_dir, exist_ok=True)
        for name, data in got.items():
            with open(os.path.join(expected_dir, name), "wb") as f:
                f.write(data)
        print(f"updated {len(got)} golden file(s) in {expected_dir}")
        return
    failed = False
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
        sys.exit(1)
    print(f"{len(got)} file(s) identical to {expected_dir}")


if __name__ == "__main__":
    main()
