"""The printed report states each target as it is checked."""

import pytest

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


def test_each_ratio_is_over_the_floor_measured_beside_it(capsys):
    # given: the machine slowed between scenarios: the floor read 1000, then 500 req/s
    from bench.run import merge_floors

    floors = [result("floor", 1000.0), result("floor", 1000.0), result("floor", 500.0)]
    early, late = result("payme_check_perform", 1300.0), result("bids", 160.0)
    early.floor_rate, late.floor_rate = 1000.0, 750.0
    report = Report(payments=10, seed_seconds=0.0, table_rows=10)
    report.results = [merge_floors(floors), early, late]

    # when
    score(report)
    print_report(report)

    # then
    floor = report.results[0]
    assert (floor.requests, floor.rate, floor.floor_spread) == (25000, 2500 / 3, (500.0, 1000.0))
    assert (early.ratio, late.ratio, floor.ratio) == (1.3, 160 / 750, 1.0)
    assert "500 to 1,000 req/s" in capsys.readouterr().out


def test_scale_drift_is_judged_against_the_median_of_the_other_runs():
    # given: three 10,000-payment runs reading 1.2, 1.5 and 1.6 for one scenario
    from bench.run import compare

    def run(payments: int, ratio: float) -> dict:
        return {"payments": payments, "results": [{"name": "bids", "ratio": ratio}]}

    small = [run(10_000, 1.2), run(10_000, 1.6), run(10_000, 1.5)]
    report = Report(payments=1_000_000, seed_seconds=0.0, table_rows=0)

    # when / then: 1.36 is within 10 % of the median 1.5 (not of the best run), 1.34 is not
    report.results = [result("bids", 0.0)]
    report.results[0].ratio = 1.36
    assert compare(report, small).passed
    report.results[0].ratio = 1.34
    assert not compare(report, small).passed
    with pytest.raises(SystemExit):
        compare(report, [small[0], run(1_000, 1.5)])
