"""One task shared by several engines: another participant's grab, carry and release enter
this engine as commands (interaction/shared_parts.py), and app.collab.task_sharing turns
an engine's own events into the messages that make them. Checked on AS1 with a hand driven
here, and by two engines in one process passing each other's messages through the wire
encoding: the one that only watches converges to the one the autopilot drives, and its
run (own frames + the commands it was given) re-runs to the same events, byte for byte.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.collab.task_sharing import TaskSharing
from app.collab.task_wire import (
    Progress,
    TaskError,
    decode,
    hold_message,
    place_message,
    pose_message,
)
from interaction.autopilot import run_autopilot
from interaction.commands import SharedHold, SharedLeft, SharedPlace, SharedPose, command_from_dict
from interaction.engine import Engine
from interaction.events import Event, EventKind
from interaction.frame import FRAME_DTYPE, Hand, InputFrame
from interaction.params import InteractionParams
from scenes.samples import SAMPLE_SCENARIO
from scenes.scenario import load_scenario
from tests.test_engine import PLATE, ROD, Driver, authored, make_engine, shifted


def _flat(m: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in m.reshape(16))


def _idle(engine: Engine, commands=()) -> list:
    return engine.step(InputFrame(t=engine.state.t + 1 / 90 if engine.state.frame >= 0 else 0.0), list(commands))


def test_a_part_held_elsewhere_cannot_be_grabbed_here_and_follows_its_holder(tmp_path, as1):
    e = make_engine(tmp_path, as1)
    out = _idle(e, [SharedHold(ROD, "bob")])
    assert [(x.kind, x.part, x.data) for x in out] == [
        (EventKind.SHARED_HOLD, ROD, {"by": "bob", "accepted": True})]
    assert ROD in e.not_grabbable() and ROD not in e.grabbable_now()
    moved = shifted(e.state.part_poses[ROD], dx=0.05)
    _idle(e, [SharedPose(ROD, _flat(moved), "bob")])
    np.testing.assert_allclose(e.state.part_poses[ROD], moved)
    # the index follows: a ray at the moved part hits it there
    centre = (e.rigid_frame(ROD, moved) @ np.append(e.geometry[ROD].centre, 1.0))[:3]
    hit = e.index.ray_point(centre + [0, 1.0, 0], np.array([0.0, -1.0, 0.0]), 5.0)
    assert hit is not None and hit.part == ROD
    # a pose from someone who does not hold it is ignored
    _idle(e, [SharedPose(ROD, _flat(shifted(moved, dx=0.3)), "eve")])
    np.testing.assert_allclose(e.state.part_poses[ROD], moved)
    # a hand here that tries to take it takes nothing
    d = Driver(e)
    d.grip = np.eye(4)
    d.grip[:3, 3] = centre
    d.step(grab=1.0)
    d.step(grab=1.0)
    assert e.state.held[Hand.RIGHT] is None


def test_a_snap_elsewhere_fills_the_slot_here_and_finishes_steps(tmp_path, as1):
    steps = [{"id": "s1", "parts": [PLATE]}, {"id": "s2", "parts": [ROD], "requires": ["s1"]}]
    e = make_engine(tmp_path, as1, steps=steps)
    _idle(e, [SharedHold(PLATE, "bob")])
    out = _idle(e, [SharedPlace(PLATE, _flat(authored(e, PLATE)), PLATE, "bob")])
    assert [x.kind for x in out] == [EventKind.SHARED_PLACE, EventKind.SNAP, EventKind.STEP_DONE]
    assert all(x.data["by"] == "bob" for x in out)
    assert e.state.snapped == {PLATE: PLATE} and e.state.steps["s1"].done and e.state.steps["s2"].available
    assert PLATE not in e.state.others_hold
    np.testing.assert_allclose(e.state.part_poses[PLATE], authored(e, PLATE), atol=1e-12)
    # told again (a late joiner hears it from everyone): nothing happens
    assert _idle(e, [SharedPlace(PLATE, _flat(authored(e, PLATE)), PLATE, "carl")]) == []
    # a slot already filled here refuses another part
    out = _idle(e, [SharedPlace(ROD, _flat(authored(e, ROD)), PLATE, "bob")])
    assert out[0].data["accepted"] is False and ROD not in e.state.snapped
    # the rod by bob completes the task here too
    out = _idle(e, [SharedPlace(ROD, _flat(authored(e, ROD)), ROD, "bob")])
    assert [x.kind for x in out][-3:] == [EventKind.STEP_DONE, EventKind.ASSEMBLY_COMPLETE, EventKind.TASK_COMPLETE]
    assert e.state.task_complete


def test_the_other_wins_a_hold_or_snap_but_not_a_drop_over_a_hand_here(tmp_path, as1):
    e = make_engine(tmp_path, as1)
    d = Driver(e)
    d.carry(ROD, shifted(authored(e, ROD), dy=0.2), release=False)
    assert e.state.held[Hand.RIGHT] == ROD
    # bob dropped it somewhere (his news is older than this hold): this hand keeps it
    out = d.step(grab=1.0, commands=[SharedPlace(ROD, _flat(authored(e, ROD)), "", "bob")])
    assert e.state.held[Hand.RIGHT] == ROD and out[0].data == {"by": "bob", "accepted": False, "reason": "held here"}
    # the session says bob had it first: this hand lets go where it is
    where = e.state.part_poses[ROD].copy()
    out = d.step(grab=1.0, commands=[SharedHold(ROD, "bob")])
    release = next(x for x in out if x.kind == EventKind.RELEASE)
    assert release.data["reason"] == "taken" and release.data["taken_by"] == "bob" and release.data["outcome"] == "drop"
    assert e.state.held[Hand.RIGHT] is None and e.state.others_hold == {ROD: "bob"}
    np.testing.assert_allclose(e.state.part_poses[ROD], where)
    # bob leaves holding it: it is free again where he left it
    out = _idle(e, [SharedLeft("bob")])
    assert [(x.kind, x.data["outcome"]) for x in out] == [(EventKind.SHARED_PLACE, "left")]
    assert ROD in e.grabbable_now()


@pytest.mark.parametrize(("bad", "why"), [
    (np.diag([2.0, 2.0, 2.0, 1.0]), "scaled"),
    (np.array([[1, 0.5, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1.0]]), "sheared"),
    (np.diag([1.0, 1.0, -1.0, 1.0]), "mirrored"),
    (np.array([[1, 0, 0, 1e9], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1.0]]), "far away"),
    (np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1.0]]), "projective"),
])
def test_a_pose_that_is_not_a_rigid_move_is_refused(tmp_path, as1, bad, why):
    e = make_engine(tmp_path, as1)
    before = e.state.part_poses[ROD].copy()
    pose = bad @ authored(e, ROD) if why != "far away" else bad
    out = _idle(e, [SharedPlace(ROD, _flat(pose), "", "mallory")])
    assert out[0].data["accepted"] is False and out[0].data["reason"] == "not a rigid pose", why
    _idle(e, [SharedHold(ROD, "mallory"), SharedPose(ROD, _flat(pose), "mallory")])
    np.testing.assert_array_equal(e.state.part_poses[ROD], before)


@pytest.mark.parametrize(("payload", "says"), [
    (b'{"kind": "pose", "part": "p", "pose": [1, 2, 3]}', "bad pose"),
    (b'{"kind": "pose", "part": "p", "pose": [' + b", ".join([b"NaN"] * 16) + b']}', "bad pose"),
    (b'{"kind": "place", "part": "p", "pose": [' + b", ".join([b"1e400"] * 16) + b'], "slot": null}', "bad pose"),
    (b'{"kind": "place", "part": 7, "pose": [], "slot": null}', "part id"),
    (b'{"kind": "hold", "part": "' + b"x" * 300 + b'"}', "part id"),
    (b'{"kind": "place", "part": "p", "pose": [' + b", ".join([b"0"] * 16) + b'], "slot": ["a"]}', "slot"),
    (b'{"kind": "progress", "steps_done": "step1"}', "steps"),
    (b'{"kind": "state", "parts": {"p": 5}}', "part entry"),
    (b'[' * 100000 + b']' * 100000, "not JSON"),
])
def test_hostile_part_messages_are_one_line_each(payload, says):
    with pytest.raises(TaskError, match=says) as err:
        decode(payload, "mallory")
    assert "\n" not in str(err.value)


def test_messages_and_commands_round_trip():
    pose = _flat(np.eye(4))
    assert decode(hold_message("a/b"), "bob") == [SharedHold("a/b", "bob")]
    assert decode(pose_message("a/b", pose), "bob") == [SharedPose("a/b", pose, "bob")]
    assert decode(place_message("a/b", pose, "a/c", ["s1"]), "bob") == [
        SharedPlace("a/b", pose, "a/c", "bob"), Progress(("s1",))]
    for command in (SharedHold("a", "b"), SharedPose("a", pose, "b"), SharedPlace("a", pose, "", "b"), SharedLeft("b")):
        assert command_from_dict(command.to_dict()) == command


def test_a_watching_engine_converges_to_the_autopilots_and_re_runs_identically():
    """anna's engine is driven by the autopilot; bob's only hears anna's messages (encoded
    and decoded as on the wire, a few frames late) while stepping empty frames. Bob ends
    with the same parts in the same slots, the same steps done, the same verdicts, and the
    task complete; his frames and commands, run again, give the same events."""
    scenario = load_scenario(SAMPLE_SCENARIO)
    scene = scenario.scene
    params = InteractionParams()
    bob = Engine(scene, scenario, params)
    anna_side, bob_side = TaskSharing("anna"), TaskSharing("bob")
    anna_engine = []
    inbox: list[tuple[int, list]] = []
    log: list[tuple[InputFrame, list]] = []
    bob_events = []
    moved_while_held = []

    def on_frame(frame, _commands, events):
        n = len(log)
        messages = anna_side.outgoing(events, anna_engine[0].state, frame.t)
        inbox.append((n + 3, [a for m in messages for a in decode(m, "anna")]))  # three frames on the way
        due = [a for at, actions in inbox if at <= n for a in actions]
        inbox[:] = [(at, actions) for at, actions in inbox if at > n]
        commands = bob_side.incoming([a for a in due if not isinstance(a, Progress)], bob.state)
        before = {p: m.copy() for p, m in bob.state.part_poses.items() if p in bob.state.others_hold}
        empty = InputFrame(t=frame.t)
        log.append((empty, commands))
        bob_events.extend(bob.step(empty, commands))
        moved_while_held.extend(p for p, m in before.items() if not np.array_equal(m, bob.state.part_poses[p]))

    result = run_autopilot(scene, scenario, params, on_frame, on_start=anna_engine.append)
    assert result.completed
    for _k in range(5):  # the last messages arrive
        on_frame(InputFrame(t=log[-1][0].t + 1 / 90), [], [])
    anna = anna_engine[0].state
    assert bob.state.snapped == anna.snapped and anna.snapped
    assert {s for s, x in bob.state.steps.items() if x.done} == {s for s, x in anna.steps.items() if x.done}
    assert {p: x.verdict for p, x in bob.state.points.items()} == {p: x.verdict for p, x in anna.points.items()}
    assert bob.state.task_complete and not bob.state.others_hold
    for part in anna.part_poses:
        np.testing.assert_allclose(bob.state.part_poses[part], anna.part_poses[part], atol=1e-6)
    assert moved_while_held  # bob saw the parts travel, not jump at the end
    kinds = {e.kind for e in bob_events}
    assert {EventKind.SHARED_HOLD, EventKind.SHARED_PLACE, EventKind.SNAP, EventKind.TASK_COMPLETE} <= kinds
    assert all(e.data.get("by") == "anna" for e in bob_events if e.kind in (EventKind.SNAP, EventKind.POINT_MARKED))
    # bob's own input and what he was told, run again from the start: the same events
    again = Engine(scene, scenario, params)
    rerun = [e for frame, commands in log for e in again.step(frame, [command_from_dict(c.to_dict()) for c in commands])]
    assert [e.to_json() for e in rerun] == [e.to_json() for e in bob_events]


def test_simultaneous_grabs_are_settled_alike_on_both_sides(tmp_path, as1):
    """anna and bob grab the rod in the same instant: each hears the other's hold while
    holding it. On both sides the earlier name (anna) keeps it."""
    anna_engine, bob_engine = make_engine(tmp_path, as1), make_engine(tmp_path, as1)
    for engine in (anna_engine, bob_engine):
        Driver(engine).carry(ROD, shifted(authored(engine, ROD), dy=0.1), release=False)
    anna_side, bob_side = TaskSharing("anna"), TaskSharing("bob")
    assert anna_side.incoming(decode(hold_message(ROD), "bob"), anna_engine.state) == []  # anna keeps it
    to_bob = bob_side.incoming(decode(hold_message(ROD), "anna"), bob_engine.state)
    assert to_bob == [SharedHold(ROD, "anna")]
    d = Driver(bob_engine)
    d.t = bob_engine.state.t + 1 / 90
    out = d.step(grab=1.0, commands=to_bob)
    assert bob_engine.state.held[Hand.RIGHT] is None and bob_engine.state.others_hold == {ROD: "anna"}
    # bob's release because anna had it is not news for anyone
    assert [m for m in bob_side.outgoing(out, bob_engine.state, 100.0) if b'"place"' in m] == []


def test_a_replay_shows_each_other_as_they_were_and_not_long_after_they_went_quiet():
    from views.others import RecordedOthers

    records = np.zeros(3, dtype=FRAME_DTYPE)
    records["t"] = [1.0, 2.0, 3.0]
    records["head"][:, :3] = [[0, 1.6, 0], [0.5, 1.6, 0], [1.0, 1.6, 0]]
    records["head"][:, 6] = 1.0
    records["tracked"][1] = [0, 1]
    others = RecordedOthers({"bob": records[list(RecordedOthers.FIELDS)]})
    assert others.at(0.5) == []  # not there yet
    (name, frame, opacity), = others.at(2.5)
    assert name == "bob" and frame.t == 2.0 and frame.head[0] == 0.5 and opacity == 1.0
    assert [h.tracked for h in frame.hands] == [False, True]
    assert others.at(3.0 + RecordedOthers.SHOWN_FOR_S + 0.01) == []  # gone quiet


def test_a_measurement_elsewhere_is_shown_here_with_its_distance_and_cleared_with_it(tmp_path, as1):
    """anna measures (her engine's MEASUREMENT becomes a message); bob's engine takes it as
    a recorded command with the distance between the same points; told again (a state),
    nothing new; her clearing clears it; hostile measurements are one line."""
    from interaction.commands import MeasureClear, MeasureStart, SharedMeasure
    from interaction.state import MeasurementState

    anna, bob = make_engine(tmp_path, as1), make_engine(tmp_path, as1)
    anna_side, bob_side = TaskSharing("anna"), TaskSharing("bob")
    _idle(anna, [MeasureStart()])
    a, b = np.array([0.0, 0.1, 0.0]), np.array([0.03, 0.1, 0.04])
    anna.state.measurement = MeasurementState(active=True, points=[a, b], distance_mm=50.0)  # as two picks leave it
    event = Event(anna.state.frame, anna.state.t, EventKind.MEASUREMENT, hand="right", data={"distance_mm": 50.0})
    (message,) = anna_side.outgoing([event], anna.state, 0.0)
    commands = bob_side.incoming(decode(message, "anna"), bob.state)
    assert commands == [SharedMeasure((0.0, 0.1, 0.0, 0.03, 0.1, 0.04), "anna")]
    out = _idle(bob, commands)
    assert [(e.kind, e.data) for e in out] == [(EventKind.MEASUREMENT, {"by": "anna", "distance_mm": 50.0})]
    np.testing.assert_allclose(bob.state.others_measurements["anna"], [a, b])
    # a late joiner's state tells it again: nothing new to apply
    state = anna_side.state(anna.state, anna.start_poses)
    assert [c for c in bob_side.incoming(decode(state, "anna"), bob.state) if isinstance(c, SharedMeasure)] == []
    # anna clears: so does bob's copy
    cleared = _idle(anna, [MeasureClear()])
    (message,) = anna_side.outgoing(cleared, anna.state, 1.0)
    out = _idle(bob, bob_side.incoming(decode(message, "anna"), bob.state))
    assert [e.kind for e in out] == [EventKind.MEASURE_CLEAR] and not bob.state.others_measurements
    for bad in (b'{"kind": "measurement", "points": [1, 2, 3]}', b'{"kind": "measurement", "points": "x"}',
                b'{"kind": "measurement", "points": [1, 2, 3, 4, 5, NaN]}'):
        with pytest.raises(TaskError, match="measurement"):
            decode(bad, "mallory")
