"""Replay re-simulation with snapshots: a rewind (backwards, forwards, from another engine's
snapshots) leaves the engine exactly as playing from the start does, on a real AS1 trial."""

from __future__ import annotations

import json

import numpy as np

from interaction.commands import command_from_dict
from interaction.engine import Engine
from interaction.recording_reader import Recording
from interaction.recording_rerun import load_setup
from interaction.replay_sim import ReplaySimulator, SnapshotStore
from scenes.index import SceneIndex


def signature(engine: Engine) -> tuple:
    """What the views draw and the task knows, exactly (poses bit for bit)."""
    s = engine.state
    return (s.frame, s.t, {k: v.tobytes() for k, v in s.part_poses.items()}, tuple(s.held),
            tuple(s.hovered), dict(s.snapped), sorted(s.colliding),
            {k: (v.done, v.available, dict(v.filled)) for k, v in s.steps.items()},
            s.task_complete, None if s.gaze_hit is None else np.asarray(s.gaze_hit).tobytes())


def played_from_start(rec: Recording, setup, stops: set[int]) -> dict[int, tuple]:
    sim = ReplaySimulator(rec, setup, SnapshotStore(10**9))
    out = {}
    for index, frame, commands in sim._steps(0, rec.frame_count):
        sim.step(index, frame, commands)
        if sim.stepped in stops:
            out[sim.stepped] = signature(sim.engine)
    return out


def test_rewind_in_any_order_matches_playing_from_the_start(as1_recording):
    with Recording(as1_recording) as rec:
        setup = load_setup(rec)
        stops = [700, 95, rec.frame_count, 500, 1, 181]
        expected = played_from_start(rec, setup, set(stops))
        sim = ReplaySimulator(rec, setup, SnapshotStore(90))
        for stepped in stops:
            sim.rewind(stepped)
            assert sim.stepped == stepped
            assert signature(sim.engine) == expected[stepped], stepped
        assert len(sim.store) == rec.frame_count // 90 + 1


def test_events_after_a_rewind_are_the_recorded_ones(as1_recording):
    with Recording(as1_recording) as rec:
        setup = load_setup(rec)
        sim = ReplaySimulator(rec, setup, SnapshotStore(90))
        sim.rewind(rec.frame_count)
        sim.rewind(400)
        events = [e.to_json() for i, f, c in sim._steps(400, rec.frame_count) for e in sim.step(i, f, c)]
        start = rec.frame_at(400).t
        recorded = [line for line in rec.event_lines if json.loads(line)["t"] >= start]
        assert events == recorded and len(events) > 50


def test_snapshots_from_a_scanner_with_its_own_index_restore_exactly(as1_recording):
    with Recording(as1_recording) as rec:
        setup = load_setup(rec)
        store = SnapshotStore(90)
        scanner = ReplaySimulator(rec, setup, store, SceneIndex(setup.scene))
        assert scanner.run(10**6) == rec.frame_count and store.frontier == rec.frame_count // 90 * 90
        display = ReplaySimulator(rec, setup, store)
        expected = played_from_start(rec, setup, {1000, 300})
        for stepped in (1000, 300):
            display.rewind(stepped)
            assert signature(display.engine) == expected[stepped]


def test_rewinds_across_a_live_tolerance_change_use_the_right_engine(as1_recording, tmp_path):
    """A tolerance changed mid-trial rebuilt the engine; snapshots on either side of it
    restore into an engine built with THEIR tolerances."""
    from interaction.recording_writer import Recorder

    changed = tmp_path / "changed.mcap"
    with Recording(as1_recording) as rec:
        setup = load_setup(rec)
        tight = setup.params.replace(snap_position_mm=0.0001)
        engine = Engine(setup.scene, setup.scenario, setup.params, index=setup.index)
        with Recorder(changed, rec.session) as out:
            for index, frame, commands in rec.steps():
                if index == 600:  # the designer tightens the snap tolerance: a new engine
                    out.write_params(tight.to_dict(), rebuilt=True)
                    engine = Engine(setup.scene, setup.scenario, tight, index=setup.index)
                parsed = [command_from_dict(c) for c in commands]
                out.write_frame(frame, engine.step(frame, parsed), commands)
    with Recording(changed) as rec:
        setup = load_setup(rec)
        end = rec.frame_count
        expected = played_from_start(rec, setup, {300, end})
        store = SnapshotStore(90)
        ReplaySimulator(rec, setup, store, SceneIndex(setup.scene)).run(end)
        sim = ReplaySimulator(rec, setup, store)  # built with the loose tolerance
        sim.rewind(1000)  # from a snapshot made after the change, on to the end
        events = [e.to_json() for i, f, c in sim._steps(1000, end) for e in sim.step(i, f, c)]
        start = rec.frame_at(1000).t
        assert events == [line for line in rec.event_lines if json.loads(line)["t"] >= start]
        assert "RELEASE_OUT_OF_TOLERANCE" in "".join(events)  # the tight tolerance at work
        assert signature(sim.engine) == expected[end]
        sim.rewind(300)  # and back before it
        assert signature(sim.engine) == expected[300] and sim.engine.params == setup.params
