"""checks.py - the counting assertion shared by the python-driven tests
(test_tls.py, test_secrets.py, test_faults.py): every check counts, a
failed one prints "FAIL: what: detail" to stderr, and the test ends with
the line "N checks, N failed".
"""
import sys


class Checks:
    def __init__(self):
        self.count = 0
        self.failed = 0

    def __call__(self, cond, what, detail=None):
        """Counts one check; returns cond."""
        self.count += 1
        if not cond:
            self.failed += 1
            print('FAIL: %s%s' % (what, '' if detail is None else ': %s' % (detail,)), file=sys.stderr)
        return cond

    def summary(self):
        """Prints the last line; returns the exit status (0: all passed)."""
        print('%d checks, %d failed' % (self.count, self.failed))
        return 1 if self.failed else 0
