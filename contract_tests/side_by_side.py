"""A pytest plugin that prints each test's outcome per twin side by side at the end of the run."""

from __future__ import annotations

from collections import Counter, defaultdict

BOTH = "both"  # the column of the differential tests, which run against both twins at once
RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


def row_and_column(nodeid: str, twins: list[str]) -> tuple[str, str]:
    """A test's row and column: `test_x[flask-a]` and `test_x[django-a]` share the row `test_x[a]`.

    Read from the node id alone, so that it works in pytest-xdist's controller too, which
    collects nothing (its reports arrive from the workers). The twin is the first parameter.
    """
    path, _, test = nodeid.partition("::")
    function, _, params = test.partition("[")
    twin, _, rest = params.removesuffix("]").partition("-")
    if twin not in twins:
        twin, rest = BOTH, params.removesuffix("]")
    name = f"{path.rpartition('/')[2]}::{function}" + (f"[{rest}]" if rest else "")
    return name, twin


class SideBySide:
    """Collects the outcome of every test per twin; shows where they differ or fail, plus totals."""

    def __init__(self, twins: list[str]) -> None:
        self.twins = twins
        self.outcomes: dict[str, dict[str, str]] = defaultdict(dict)

    def pytest_runtest_logreport(self, report) -> None:
        """Keep the worst outcome of a test's setup, call and teardown."""
        if report.passed and report.when != "call":
            return
        outcome = report.outcome if report.when == "call" or report.skipped else "error"
        name, column = row_and_column(report.nodeid, self.twins)
        current = self.outcomes[name].get(column, "passed")
        self.outcomes[name][column] = max(current, outcome, key=RANK.__getitem__)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        """One line per test whose outcomes differ or fail, then the counts per twin."""
        columns = self.twins + (
            [BOTH] if any(BOTH in row for row in self.outcomes.values()) else []
        )
        if not self.outcomes:
            return
        shown = {
            name: row
            for name, row in self.outcomes.items()
            if len(set(row.values())) > 1 or {"failed", "error"} & set(row.values())
        }
        width = max([len(name) for name in shown] + [20])
        write = terminalreporter.write_line
        terminalreporter.write_sep("=", " vs ".join(self.twins) + ": side by side")
        if shown:
            write(f"{'':{width}}  " + "".join(f"{column:<9}" for column in columns))
            for name, row in sorted(shown.items()):
                cells = "".join(f"{self.cell(row.get(column)):<9}" for column in columns)
                write(f"{name:{width}}  {cells}")
        else:
            write("every test has the same outcome on every twin, and none failed")
        totals = []
        for column in columns:
            counts = Counter(row[column] for row in self.outcomes.values() if column in row)
            text = ", ".join(f"{counts[outcome]} {outcome}" for outcome in RANK if counts[outcome])
            totals.append(f"{column}: {text or 'nothing ran'}")
        write(" | ".join(totals))

    @staticmethod
    def cell(outcome: str | None) -> str:
        """Failures in capitals, so they stand out in the table."""
        if outcome is None:
            return "-"
        return outcome.upper() if outcome in ("failed", "error") else outcome
