"""``xrjig resim``: recorded input under changed parameters changes outcomes as the engine says."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from interaction.recording_reader import Recording
from tests.test_replay_verify import record


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resim")
    return [record(folder, "a1.mcap"), record(folder, "a2.mcap", participant="P2")]


def _run(capsys, *args):
    code = main(["resim", *args])
    return code, capsys.readouterr()


def test_unchanged_parameters_reproduce_the_recorded_outcome(recordings, capsys):
    code, out = _run(capsys, *map(str, recordings), "--json")
    assert code == 0
    report = json.loads(out.out)
    for row, path in zip(report["recordings"], recordings, strict=True):
        with Recording(path) as rec:
            done = next(e.t for e in rec.events if e.kind == "TASK_COMPLETE") - rec.start_t
            snaps = sum(e.kind == "SNAP" for e in rec.events)
        assert row["recorded"] == row["resimulated"]
        assert row["recorded"]["completion_time_s"] == pytest.approx(done)
        assert row["recorded"]["snaps"] == snaps
    assert report["total"]["recorded"]["completed"] == 2


def test_tighter_snap_tolerance_turns_snaps_into_errors(recordings, capsys):
    code, out = _run(capsys, *map(str, recordings), "--set", "snap_position_mm=0.0001", "--json")
    assert code == 0
    report = json.loads(out.out)
    assert report["overrides"] == ["snap_position_mm=0.0001"]
    for row in report["recordings"]:
        assert row["recorded"]["completed"] and row["recorded"]["snaps"] >= 1
        after = row["resimulated"]
        assert not after["completed"] and after["snaps"] == 0 and after["completion_time_s"] is None
        assert after["errors"]["out_of_tolerance"] >= 1
    total = report["total"]
    assert total["recorded"]["completed"] == 2 and total["resimulated"]["completed"] == 0


def test_longer_dwell_leaves_inspection_unfinished_in_the_table(recordings, capsys):
    code, out = _run(capsys, str(recordings[0]), "--set", "dwell_time_s=5")
    assert code == 0
    lines = out.out.splitlines()
    assert lines[0] == "what if: dwell_time_s=5"
    resim_line = next(line for line in lines if "resimulated" in line and "a1.mcap" not in line)
    assert " no " in resim_line


def test_bad_override_is_one_clear_line(recordings, capsys):
    code, out = _run(capsys, str(recordings[0]), "--set", "snap_radius=3")
    assert code == 1
    assert out.err.count("\n") == 1 and "unknown interaction parameter 'snap_radius'" in out.err
