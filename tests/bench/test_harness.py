"""The benchmark's bookkeeping: ratios pair the systems round by round, and `--baseline` measures another
checkout's engine beside this one (the before and after of a change)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from common import Results, ratio  # noqa: E402
from run import BASELINE, baseline_lines  # noqa: E402


def results(ours: list, peer: list) -> Results:
    return Results({"ours": [{"t": v} if v is not None else {"error": "crashed"} for v in ours],
                    "peer": [{"t": v} for v in peer]})


def test_a_ratio_is_the_median_of_the_rounds_ratios():
    # a slow spell falls on both systems of round 2: paired, the ratio is 0.5 in every round
    assert ratio(results([1.0, 10.0, 1.0], [2.0, 20.0, 2.0]), "t", "ours", "peer") == pytest.approx(0.5)
    # spells on the peer in two rounds and on ours in one: the medians' ratio would say 1 / 20
    assert ratio(results([1.0, 1.0, 10.0], [2.0, 20.0, 20.0]), "t", "ours", "peer") == pytest.approx(0.5)


def test_a_ratio_falls_back_to_the_medians_when_a_round_failed():
    value = ratio(results([1.0, None, 3.0], [2.0, 2.0, 4.0]), "t", "ours", "peer")
    assert value == pytest.approx(2.0 / 2.0)  # median(1, 3) / median(2, 2, 4)
    assert ratio(results([None], [1.0]), "t", "ours", "peer") is None


def test_baseline_lines_compare_every_number_measured():
    runs = {"ours": [{"epoch_s": [1.0, 1.2], "bytes_per_node": 180.0, "weights": [[1.0]]}] * 2,
            BASELINE: [{"epoch_s": [2.0, 2.4], "bytes_per_node": 200.0, "weights": [[1.0]]}] * 2}
    text = "\n".join(baseline_lines(Results(runs), "ours"))
    assert "ours / baseline, epoch_s" in text and "0.500" in text
    assert "ours / baseline, bytes_per_node" in text and "0.900" in text
    assert "weights" not in text  # not a number
    failed = baseline_lines(Results({"ours": runs["ours"], BASELINE: [{"error": "ImportError: no grad"}]}), "ours")
    assert failed == [f"  {BASELINE:<14} FAILED: ImportError: no grad"]


def test_baseline_that_is_not_a_checkout_is_refused():
    proc = subprocess.run([sys.executable, str(BENCH / "run.py"), "--baseline", str(BENCH)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "no micrograd_like/ package there" in proc.stderr and "git worktree add" in proc.stderr


@pytest.mark.slow
def test_a_quick_run_against_this_checkout_as_its_own_baseline():
    pytest.importorskip("sklearn")
    root = BENCH.parent
    proc = subprocess.run([sys.executable, str(BENCH / "run.py"), "--quick", "--only", "digits",
                           "--baseline", str(root)], capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"{BASELINE} epoch_s" in proc.stdout  # the baseline's own time
    line = next(line for line in proc.stdout.splitlines() if "ours / baseline, epoch_s" in line)
    assert float(line.split()[-3]) > 0  # (the same engine, but one round on a machine the suite keeps busy)
