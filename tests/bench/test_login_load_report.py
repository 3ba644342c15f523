"""bench/login_load.py without Keycloak: its options, percentiles, table and goal verdicts, its CPU reading."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import login_load  # noqa: E402
from login_load import PhaseResult, goals, parse_args, percentile, table  # noqa: E402


def phase(name: str, latencies: list[float], cpu: float, errors: int = 0) -> PhaseResult:
    result = PhaseResult(name, seconds=10.0, latencies=latencies, cpu_seconds=cpu, workers=8)
    for i in range(errors):
        result.record_error(f"failure {i}")
    return result


def test_quick_scales_down_but_what_the_command_line_says_wins():
    quick = parse_args(["--quick", "--workers=6"])
    assert (quick.duration, quick.regions, quick.sessions, quick.workers) == (10.0, 1, 500, 6)
    assert quick.shift_change is False
    assert parse_args(["--quick", "--shift-change"]).shift_change is True
    full = parse_args([])
    assert (full.workers, full.professionals, full.shift_rate, full.sessions, full.regions) == (8, 3000, 5.0, 10_000, 18)
    assert full.shift_change is True


def test_regions_out_of_range_are_refused(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--regions", "19"])
    assert "--regions" in capsys.readouterr().err


def test_the_closed_loop_region_comes_first_among_the_shipped_ones():
    assert login_load.shipped_regions(1) == ["smur-grand-est"]
    names = login_load.shipped_regions(18)
    assert names[0] == "smur-grand-est" and len(set(names)) == 18


def test_nearest_rank_percentiles():
    values = [i / 100 for i in range(1, 101)]  # 0.01 .. 1.00
    assert percentile(values, 0.50) == 0.50
    assert percentile(values, 0.95) == 0.95
    assert percentile(values, 0.99) == 0.99
    assert percentile([0.3], 0.99) == 0.3


def test_the_table_and_the_goals_say_what_was_measured():
    results = {
        "brokered, 1 node": phase("brokered, 1 node", [0.2] * 95 + [0.9] * 5, cpu=4.0),  # 100 logins, 40 ms each
        "password, 1 node": phase("password, 1 node", [0.3] * 95 + [0.4] * 5, cpu=8.0),
    }
    text = table(list(results.values()))
    assert "| brokered, 1 node | 8 | 100 | 10.0 | 200 ms | 200 ms | 900 ms | 0 | 40.0 ms | 25.0 |" in text
    lines = goals(results, None)  # only the node count measured is judged
    assert len(lines) == 3 and all(met for met, _ in lines), lines
    assert lines[0][1].startswith("1 node: brokered p95 200 ms = 0.67x password p95 300 ms")

    slow = dict(results, **{"brokered, 1 node": phase("brokered, 1 node", [0.7] * 100, cpu=12.0, errors=2)})
    missed = [line for met, line in goals(slow, None) if not met]
    assert len(missed) == 3, missed  # p95 2.3x, more CPU than a password login, 8.3 logins/s per vCPU
    shift = phase("shift change, 2 nodes", [0.5] * 99 + [1.5], cpu=3.0, errors=1)
    shift_lines = goals({}, shift)
    assert [met for met, _ in shift_lines] == [False, True]
    assert shift.first_errors == ["failure 0"]


def test_cpu_seconds_read_from_proc_grow_with_work():
    before = login_load.cpu_seconds(os.getpid())
    deadline = login_load.time.process_time() + 0.2
    while login_load.time.process_time() < deadline:
        pass
    assert login_load.cpu_seconds(os.getpid()) - before >= 0.1
