"""The printed report states each target as it is checked."""

from bench.run import TARGETS, Report, Result, print_report, score


def result(name: str, rate: float) -> Result:
    return Result(
        name=name,
        unit="request",
        connections=8,
        requests=int(rate * 10),
        seconds=10.0,
        rate=rate,
        pair_rate=None,
        p50_ms=1.0,
        p99_ms=2.0,
        ok=int(rate * 10),
        errors=0,
        too_low=0,
        socket_errors=0,
        exhausted=False,
        first_error="",
    )


def test_target_lines_print_the_threshold_that_decides_the_verdict(capsys):
    # given: every scenario 0.34x the floor, under the pairs' 0.35x and over the bids' 0.3x
    report = Report(payments=10, seed_seconds=0.0, table_rows=10)
    report.results = [result("floor", 1000.0)] + [result(name, 340.0) for name in TARGETS]

    # when
    score(report)
    print_report(report)

    # then
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if ">=" in line}
    assert lines["click_pair"].split()[1:] == [">=", "0.35x", "0.34", "MISSED"]
    assert lines["bids"].split()[1:] == [">=", "0.30x", "0.34", "met"]
