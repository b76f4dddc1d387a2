"""The engine commands voice needs: a verdict for the point under the gaze or ray, the
inspection cursor, undo of a verdict, and the VoiceHeard record; all recorded and replayed."""

from __future__ import annotations

import numpy as np

from interaction.commands import (
    MarkTargeted,
    MoveCursor,
    UndoMark,
    VoiceHeard,
    command_from_dict,
    command_to_dict,
)
from interaction.events import EventKind
from interaction.frame import Hand, InputFrame
from interaction.recording_reader import Recording
from interaction.recording_writer import Recorder
from interaction.runner import Runner
from scenes.transforms import look_at, matrix_to_pose
from tests.test_engine import DT, Driver, inspection_engine  # noqa: F401 - a fixture

__all__ = ["inspection_engine"]


def test_voice_commands_round_trip_as_dicts():
    for c in (MarkTargeted("defect", "burr"), MoveCursor(-1), UndoMark(), VoiceHeard("go back", "back", 0.9, 3.25)):
        assert command_from_dict(command_to_dict(c)) == c


def test_verdict_goes_to_the_point_under_the_ray_else_the_cursor_and_undo_restores(inspection_engine):  # noqa: F811
    e, top, under = inspection_engine
    d = Driver(e)
    assert e.state.cursor == "top"
    out = d.step(commands=[MarkTargeted("pass")])  # the cursor's point, not seen yet
    assert out[0].data == {"accepted": False, "reason": "not seen yet", "verdict": "pass"}
    out = d.step(commands=[MoveCursor(1)])
    assert out[0].kind == EventKind.CURSOR_MOVED and out[0].point == "under" and e.state.cursor == "under"
    assert d.step(commands=[MoveCursor(5)])[0].data == {"moved": 0}  # clamped at the end
    # look at "top" by gaze; the ray chooses it although the cursor is on "under"
    for _ in range(60):
        d.step(gaze=(top + [0, 0.3, 0], np.array([0.0, -1.0, 0.0])))
    out = d.step(gaze=(top + [0, 0.3, 0], np.array([0.0, -1.0, 0.0])),
                 commands=[VoiceHeard("defect", "defect", 0.8, 12.5), MarkTargeted("defect", "dent")])
    assert [ev.kind for ev in out[:2]] == [EventKind.VOICE_COMMAND, EventKind.POINT_MARKED]
    assert out[0].data == {"phrase": "defect", "command": "defect", "confidence": 0.8, "audio_t": 12.5}
    assert out[1].point == "top" and out[1].data == {"accepted": True, "verdict": "defect", "note": "dent"}
    # with nothing under the gaze or ray the cursor's point is meant ("under": not seen)
    d.step()  # look away (the targeted point is the previous frame's: what the person saw)
    out = d.step(commands=[MarkTargeted("fail")])
    assert out[0].point == "under" and out[0].data["accepted"] is False
    out = d.step(commands=[UndoMark()])
    assert out[0].kind == EventKind.POINT_UNMARKED and out[0].point == "top"
    assert out[0].data == {"accepted": True, "undone": "defect", "verdict": None}
    assert e.state.points["top"].verdict is None
    assert d.step(commands=[UndoMark()])[0].data == {"accepted": False, "reason": "nothing to undo"}


def test_voice_commands_are_recorded_and_replay_to_identical_events(inspection_engine, tmp_path):  # noqa: F811
    e, top, under = inspection_engine
    frames, commands = [], []
    aim = matrix_to_pose(look_at(under - [0, 0.3, 0], under))
    for k in range(70):
        cmds = [VoiceHeard("pass", "pass", 1.0, 0.7), MarkTargeted("pass")] if k == 65 else []
        cmds += [MoveCursor(1)] if k == 3 else []
        cmds += [UndoMark()] if k == 68 else []
        f = InputFrame(t=k * DT)
        f.hands[Hand.RIGHT].tracked = True
        f.hands[Hand.RIGHT].aim = aim
        frames.append(f)
        commands.append(cmds)
    runner = Runner.build(e.scene, e.scenario, e.params, recorder=Recorder(tmp_path / "v.mcap", {"x": "y"}))
    live = [runner.step(f, c) for f, c in zip(frames, commands, strict=True)]
    runner.recorder.close()
    assert any(ev.kind == EventKind.POINT_MARKED and ev.data["accepted"] for evs in live for ev in evs)
    replay = Runner.build(e.scene, e.scenario, e.params)
    with Recording(tmp_path / "v.mcap") as rec:
        recorded = rec.commands
        heard = [c for cs in recorded.values() for c in cs if c["type"] == "voice_heard"]
        assert heard == [{"type": "voice_heard", "phrase": "pass", "command": "pass", "confidence": 1.0,
                          "audio_t": 0.7}]
        again = [replay.step_recorded(f, [command_from_dict(c) for c in cs]) for _, f, cs in rec.steps()]
    assert [[ev.to_json() for ev in evs] for evs in again] == [[ev.to_json() for ev in evs] for evs in live]
