"""``xrjig replay --verify`` on autopilot recordings: identical, tampered, truncated."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from app.cli import main
from interaction.params import InteractionParams
from interaction.recording_autopilot import record_autopilot
from interaction.recording_reader import Recording
from interaction.recording_writer import Recorder
from scenes.index import SceneIndex
from scenes.scenario import load_scenario
from tests.conftest import NESTED


def write_scenario(folder: Path, model: Path = NESTED) -> Path:
    """A scenario on ``model``: every part movable, one inspection point on the first part's
    top surface (found by casting a grid of rays down), variants A and B differing in the
    gaze dwell time."""
    auto = load_scenario(model)
    scene = auto.scene
    index = SceneIndex(scene)
    part = scene.parts[0]
    lo, hi = index.part_world_bounds(part.id)
    u, v = np.meshgrid(np.linspace(0.2, 0.8, 5), np.linspace(0.2, 0.8, 5))
    origins = np.c_[lo[0] + u.ravel() * (hi[0] - lo[0]), np.full(25, hi[1] + 1.0), lo[2] + v.ravel() * (hi[2] - lo[2])]
    hit = next(h for h in index.rays(origins, np.tile([0.0, -1.0, 0.0], (25, 1))) if h is not None)
    local = np.linalg.inv(scene.world_matrix(part.node)) @ np.append(hit.point, 1.0)
    data = auto.to_dict(relative_to=folder)
    data["model"] = str(model.resolve())
    data["inspection_points"] = [{"id": "top", "node": part.id, "point": [float(x) for x in local[:3]],
                                  "normal": [0.0, 1.0, 0.0], "instruction": "check the top face"}]
    data["variants"] = {"A": {"dwell_time_s": 0.4}, "B": {"dwell_time_s": 0.8}}
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def record(folder: Path, name: str, variant: str | None = "A", participant: str = "autopilot") -> Path:
    scenario_path = write_scenario(folder) if not (folder / "scenario.yaml").exists() else folder / "scenario.yaml"
    scenario = load_scenario(scenario_path)
    params = InteractionParams().replace(**scenario.variants[variant]) if variant else InteractionParams()
    out = folder / name
    run = record_autopilot(scenario.scene, scenario, params, out, scenario_path=scenario_path,
                           variant=variant, participant=participant)
    assert run.completed and run.error is None
    return out


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    return record(tmp_path_factory.mktemp("verify"), "trial.mcap")


def test_autopilot_recording_verifies_identical(recorded, capsys):
    with Recording(recorded) as rec:
        kinds = {e.kind for e in rec.events}
        session = rec.session
        assert rec.end["completed"] is True
    assert {"GRAB", "SNAP", "STEP_DONE", "POINT_SEEN", "POINT_MARKED", "TASK_COMPLETE"} <= kinds
    assert session["device"] == "autopilot" and session["variant"] == "A"
    assert session["params"]["dwell_time_s"] == 0.4 and len(session["scene_sha256"]) == 64
    assert session["inspection_points"] == ["top"]
    assert main(["replay", str(recorded), "--verify"]) == 0
    assert "identical" in capsys.readouterr().out


def rewrite(src: Path, dst: Path, change_event=None, metadata: dict | None = None, extra_event=None) -> None:
    """Copy a recording through the public reader/writer, optionally editing events and
    adding metadata records (questionnaires)."""
    with Recording(src) as rec:
        frames = rec.frames
        events = rec.events
        commands = rec.commands
        session = rec.session
    from interaction.frame import InputFrame

    by_frame: dict[int, list] = {}
    for e in events:
        by_frame.setdefault(e.frame, []).append(e)
    with Recorder(dst, session) as out:
        for i, r in enumerate(frames):
            evs = by_frame.get(i, [])
            if change_event is not None:
                evs = [e for e in map(change_event, evs) if e is not None]
            if extra_event is not None and i == extra_event.frame:
                evs = [*evs, extra_event]
            out.write_frame(InputFrame.from_record(r), evs, commands.get(i, []))
        for name, values in (metadata or {}).items():
            out.add_metadata(name, values)


def test_tampered_event_shows_first_divergence(recorded, tmp_path, capsys):
    with Recording(recorded) as rec:
        snap = next(e for e in rec.events if e.kind == "SNAP")
    import dataclasses

    def tamper(e):
        if e == snap:
            return dataclasses.replace(e, data={**e.data, "position_error_mm": 99.0})
        return e

    rewrite(recorded, tmp_path / "tampered.mcap", change_event=tamper)
    assert main(["replay", str(tmp_path / "tampered.mcap"), "--verify"]) == 1
    out = capsys.readouterr().out
    assert f"frame {snap.frame}" in out and f"t={snap.t:.4f}" in out
    expected = next(line for line in out.splitlines() if "expected:" in line)
    got = next(line for line in out.splitlines() if "got:" in line)
    assert json.loads(expected.split("expected:", 1)[1])["data"]["position_error_mm"] == 99.0
    assert json.loads(got.split("got:", 1)[1]) == json.loads(snap.to_json())


def test_an_event_the_engine_no_longer_emits_is_reported_missing(recorded, tmp_path, capsys):
    from interaction.events import Event

    with Recording(recorded) as rec:
        t3 = rec.frame_at(3).t
        first = rec.events[0]
    assert first.frame > 3  # nothing happens in the first frames of an autopilot run
    ghost = Event(3, t3, "WRONG_PART", hand="left", part="ghost")
    rewrite(recorded, tmp_path / "ghost.mcap", extra_event=ghost)
    assert main(["replay", str(tmp_path / "ghost.mcap"), "--verify"]) == 1
    out = capsys.readouterr().out
    assert "event #1, frame 3" in out and "got:      (no event)" in out and '"part":"ghost"' in out


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
def test_truncated_recording_verifies_its_prefix_with_a_warning(recorded, tmp_path, capsys, fraction):
    data = recorded.read_bytes()
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(data[: int(len(data) * fraction)])
    code = main(["replay", str(cut), "--verify"])
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and str(cut) in warnings[0]
    assert code == 0 and "identical" in captured.out


def test_missing_scenario_and_garbage_are_one_line_errors(recorded, tmp_path, capsys):
    garbage = tmp_path / "garbage.mcap"
    garbage.write_bytes(b"\x00" * 100)
    assert main(["replay", str(garbage), "--verify"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "garbage.mcap" in err
    with Recording(recorded) as rec:
        session = rec.session
    session["scenario_path"] = str(tmp_path / "gone.yaml")
    with Recorder(tmp_path / "orphan.mcap", session) as out:
        out.write_frame(Recording(recorded).frame_at(0))
    assert main(["replay", str(tmp_path / "orphan.mcap"), "--verify"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "gone.yaml" in err and "missing" in err


def test_check_record_makes_a_verifiable_trial(tmp_path, capsys):
    scenario = write_scenario(tmp_path)
    rec = tmp_path / "check.mcap"
    assert main(["check", str(scenario), "--variant", "B", "--record", str(rec)]) == 0
    assert f"to {rec}" in capsys.readouterr().err
    with Recording(rec) as r:
        assert r.session["variant"] == "B" and r.session["params"]["dwell_time_s"] == 0.8
        assert r.session["device"] == "autopilot" and r.end["completed"] is True
    assert main(["replay", str(rec), "--verify"]) == 0


def test_check_record_to_an_unwritable_path_still_checks(tmp_path, capsys):
    scenario = write_scenario(tmp_path)
    bad = tmp_path / "no-such-dir" / "x.mcap"
    assert main(["check", str(scenario), "--record", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "result: COMPLETED" in captured.out  # the check itself went on
    err = [line for line in captured.err.splitlines() if line]
    assert len(err) == 1 and "recording stopped" in err[0] and "no-such-dir" in err[0]


def test_replay_without_verify_hands_the_file_to_the_gui_seam(recorded, monkeypatch):
    import app.window.replay_window

    calls = []
    monkeypatch.setattr(app.window.replay_window, "run_replay", lambda path, speed: calls.append((path, speed)) or 0)
    assert main(["replay", str(recorded), "--speed", "4"]) == 0
    assert calls == [(recorded, 4.0)]


@pytest.mark.parametrize(("change", "rebuilt"), [({"dwell_time_s": 5.0}, False), ({"snap_position_mm": 0.0001}, True)])
def test_live_parameter_changes_are_recorded_and_replayed(recorded, tmp_path, change, rebuilt):
    """A session that changed parameters mid-trial (the parameters dock) still verifies."""
    from interaction.commands import command_from_dict
    from interaction.engine import Engine
    from interaction.recording_rerun import load_setup, verify

    with Recording(recorded) as rec:
        setup = load_setup(rec)
        steps = list(rec.steps())
        session = rec.session
    engine = Engine(setup.scene, setup.scenario, setup.params, index=setup.index)
    changed = setup.params.replace(**change)
    live = tmp_path / "live.mcap"
    with Recorder(live, session) as out:
        for index, frame, commands in steps:
            if index == 10:  # the designer turns a knob at frame 10
                if rebuilt:
                    engine = Engine(setup.scene, setup.scenario, changed, index=setup.index)
                else:
                    engine.params = changed
                out.write_params(changed.to_dict(), rebuilt=rebuilt)
            out.write_frame(frame, engine.step(frame, [command_from_dict(c) for c in commands]), commands)
    with Recording(live) as rec:
        assert rec.params_changes == {10: (changed.to_dict(), rebuilt)}
        original = Recording(recorded).event_lines
        assert rec.event_lines != original  # the change mattered
        matched, divergence = verify(rec, load_setup(rec))
    assert divergence is None and matched == len(rec.event_lines)
