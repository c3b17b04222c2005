"""A pytest plugin that prints each test's outcome per twin side by side at the end of the run."""

from __future__ import annotations

from collections import Counter, defaultdict

BOTH = "both"  # the column of the differential tests, which run against both twins at once
RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
WIDTH = 11  # of a column: "12 FAILED" and a margin


def row_and_column(nodeid: str, twins: list[str]) -> tuple[str, str, str]:
    """A test's row, its case and its column: `test_x[flask-a]` is row `test_x`, case `a`, column
    `flask`; a test without a twin parameter is in the column `both`. The twin is the first
    parameter."""
    path, _, test = nodeid.partition("::")
    function, _, params = test.partition("[")
    twin, _, case = params.removesuffix("]").partition("-")
    if twin not in twins:
        twin, case = BOTH, params.removesuffix("]")
    return f"{path.rpartition('/')[2]}::{function}", case, twin


class SideBySide:
    """Collects the outcome of every test per twin; shows where they differ or fail, plus totals.

    A row is a test function: its parametrized cases are counted in its cells, so that one rule
    broken in one twin is one row however many cases find it.
    """

    def __init__(self, twins: list[str]) -> None:
        self.twins = twins
        # row -> case -> column -> outcome
        self.outcomes: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
        # (column, row, why) -> the cases that failed so; in the order they failed
        self.failures: dict[tuple[str, str, str], list[str]] = defaultdict(list)

    def pytest_runtest_logreport(self, report) -> None:
        """Keep the worst outcome of a test's setup, call and teardown."""
        if report.passed and report.when != "call":
            return
        outcome = report.outcome if report.when == "call" or report.skipped else "error"
        row, case, column = row_and_column(report.nodeid, self.twins)
        cells = self.outcomes[row][case]
        cells[column] = max(cells.get(column, "passed"), outcome, key=RANK.__getitem__)
        if report.failed:
            self.failures[column, row, reason(report)].append(case)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        """One line per test function whose outcomes differ or fail, then the counts per twin."""
        if not self.outcomes:
            return
        cases = [cells for row in self.outcomes.values() for cells in row.values()]
        columns = self.twins + ([BOTH] if any(BOTH in cells for cells in cases) else [])
        shown = {name: row for name, row in self.outcomes.items() if stands_out(row)}
        write = terminalreporter.write_line
        terminalreporter.write_sep("=", " vs ".join(self.twins) + ": side by side")
        if shown:
            width = max(len(name) for name in shown)
            write(f"{'':{width}}  " + "".join(f"{column:<{WIDTH}}" for column in columns))
            for name, row in sorted(shown.items()):
                cells = "".join(f"{cell(row, column):<{WIDTH}}" for column in columns)
                write(f"{name:{width}}  {cells}".rstrip())
        elif len(self.twins) == 1:
            write("no test failed")
        else:
            # This table compares outcomes; the tests in the both column compare the answers.
            write(f"no test failed, and each ended alike on {' and '.join(self.twins)}")
        totals = []
        for column in columns:
            counts = Counter(cells[column] for cells in cases if column in cells)
            text = ", ".join(f"{counts[outcome]} {outcome}" for outcome in RANK if counts[outcome])
            totals.append(f"{column}: {text or 'nothing ran'}")
        write(" | ".join(totals))
        if self.failures:
            terminalreporter.write_sep("-", "why: one line per failing test and reason")
            for (column, row, why), failed in self.failures.items():
                test = row.partition("::")[2] + (f"[{failed[0]}]" if failed[0] else "")
                more = f" and {len(failed) - 1} more" if len(failed) > 1 else ""
                write(f"{column}  {test}{more}: {why}")
            if terminalreporter.config.option.tbstyle == "no":
                write("(their tracebacks: make test-both TB=short, or pytest's --tb=short)")


def reason(report) -> str:
    """Why a test failed: the first line of its exception (an assertion's own message), or all of
    a server's start-up failure, which ends with that server's log."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message if crash else str(report.longrepr)
    if message.startswith("twin_servers.server.ServerError: "):
        return message.removeprefix("twin_servers.server.")
    first = message.splitlines()[0] if message else report.outcome
    return first.removeprefix("AssertionError: ")


def stands_out(row: dict[str, dict[str, str]]) -> bool:
    """Whether a test function failed somewhere, or a case of it ended differently per twin."""
    return any(
        len(set(cells.values())) > 1 or {"failed", "error"} & set(cells.values())
        for cells in row.values()
    )


def cell(row: dict[str, dict[str, str]], column: str) -> str:
    """The column's worst outcome over the row's cases, with how many cases had it; failures in
    capitals, so they stand out."""
    outcomes = Counter(cells[column] for cells in row.values() if column in cells)
    if not outcomes:
        return "-"
    worst = max(outcomes, key=RANK.__getitem__)
    count = f"{outcomes[worst]} " if len(row) > 1 and worst != "passed" else ""
    return count + (worst.upper() if worst in ("failed", "error") else worst)
