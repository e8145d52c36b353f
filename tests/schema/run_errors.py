#!/usr/bin/env python3
"""Expected-error (golden) tests of the ddbc front end.

Cases:
  errors/<case>.yaml or errors/<case>.args (one argument a line; inputs
  shared by several cases live in errors/inputs/): ddbc must exit with
  status 1, print exactly errors/<case>.stderr, and create neither the
  output directory nor the depfile.
  output/<case>.args (ddbc only): like errors/, for failures that need the
  emitter or the writer (valid schemas whose outputs cannot be written).
  usage/<case>.args (ddbc only): exit status 2 and exactly usage/<case>.stderr.
Plus --help and --version (ddbc only).

Every command runs inside the case's directory with relative paths, so the
file names in the messages are stable.

  run_errors.py --exe build/generator/ddbc            # check
  run_errors.py --exe build/generator/ddbc --update   # rewrite .stderr files
  run_errors.py --exe build/tests/schema/check_driver --driver
--driver: the executable is check_driver (front end only): it takes schema
files only, so usage cases and output checks are skipped.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def case_names(directory):
    """Sorted case names: every .args file and every top-level .yaml file."""
    names = set()
    for entry in os.listdir(directory):
        stem, ext = os.path.splitext(entry)
        if ext in ('.args', '.yaml'):
            names.add(stem)
    return sorted(names)


def case_args(directory, name):
    args_path = os.path.join(directory, name + '.args')
    if os.path.exists(args_path):
        with open(args_path, encoding='utf-8') as f:
            return [line for line in f.read().split('\n') if line]
    return [name + '.yaml']


def run(exe, args, cwd):
    proc = subprocess.run([exe] + args, cwd=cwd, capture_output=True, timeout=60)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace'), \
        proc.stderr.decode('utf-8', 'replace')


def check_case(opts, directory, name, status_wanted, scratch):
    """Runs one case; returns a list of failure descriptions."""
    args = case_args(directory, name)
    out_dir = os.path.join(scratch, name + '.out')
    depfile = os.path.join(scratch, name + '.d')
    if not opts.driver and status_wanted == 1:
        args = ['-o', out_dir, '--depfile', depfile] + args
    status, _, stderr = run(opts.exe, args, directory)
    expected_path = os.path.join(directory, name + '.stderr')
    if opts.update:
        with open(expected_path, 'w', encoding='utf-8') as f:
            f.write(stderr)
    failures = []
    if status != status_wanted:
        failures.append('exit status %d, expected %d' % (status, status_wanted))
    if not os.path.exists(expected_path):
        failures.append('missing %s (run with --update)' % expected_path)
    else:
        with open(expected_path, encoding='utf-8') as f:
            expected = f.read()
        if stderr != expected:
            failures.append('stderr differs:\n--- expected\n%s--- got\n%s' % (expected, stderr))
    for path in (out_dir, depfile):
        if os.path.exists(path):
            failures.append('%s was created although the run failed' % path)
    return failures


def check_info_options(opts):
    """--help and --version succeed and print to stdout."""
    failures = []
    status, stdout, stderr = run(opts.exe, ['--version'], HERE)
    if status != 0 or not stdout.startswith('ddbc ') or stderr:
        failures.append('--version: status %d, stdout %r, stderr %r' % (status, stdout, stderr))
    status, stdout, stderr = run(opts.exe, ['--help'], HERE)
    if status != 0 or not stdout.startswith('usage: ddbc') or stderr:
        failures.append('--help: status %d, stderr %r' % (status, stderr))
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--exe', required=True, help='ddbc (or check_driver with --driver)')
    parser.add_argument('--driver', action='store_true', help='exe is check_driver')
    parser.add_argument('--update', action='store_true', help='rewrite the .stderr files')
    opts = parser.parse_args()
    opts.exe = os.path.abspath(opts.exe)

    suites = [(os.path.join(HERE, 'errors'), 1)]
    if not opts.driver:
        suites.append((os.path.join(HERE, 'output'), 1))
        suites.append((os.path.join(HERE, 'usage'), 2))
    failed = 0
    total = 0
    with tempfile.TemporaryDirectory(prefix='ddbc-errors-') as scratch:
        for directory, status in suites:
            for name in case_names(directory):
                total += 1
                failures = check_case(opts, directory, name, status, scratch)
                label = os.path.relpath(os.path.join(directory, name), HERE)
                print('%s %s' % ('FAIL' if failures else 'ok  ', label))
                for failure in failures:
                    print('    ' + failure.replace('\n', '\n    '))
                failed += bool(failures)
    if not opts.driver:
        total += 1
        failures = check_info_options(opts)
        print('%s --help/--version' % ('FAIL' if failures else 'ok  '))
        for failure in failures:
            print('    ' + failure)
        failed += bool(failures)
    print('%d of %d cases failed' % (failed, total))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
