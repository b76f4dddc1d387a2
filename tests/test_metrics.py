"""Metrics from hand-built recordings whose values are computed by hand in the tests."""

from __future__ import annotations

import numpy as np
import pytest

from interaction.events import Event, EventKind
from interaction.frame import FRAME_DTYPE, InputFrame
from interaction.metrics import (
    coverage,
    event_metrics,
    gaze_point_metrics,
    hand_path_lengths,
    trial_metrics,
)
from interaction.questionnaires import NasaTlx, Sus
from interaction.recording import quantize
from interaction.recording_reader import Recording
from interaction.recording_rerun import GazeTrace
from interaction.trial import Trial


def test_path_length_skips_tracking_gaps():
    r = np.zeros(100, dtype=FRAME_DTYPE)
    r["t"] = np.arange(100) / 90
    r["tracked"][:, 1] = 1
    r["tracked"][40:50, 1] = 0  # lost for 10 frames: segments 39->40 .. 49->50 don't count
    r["grip"][:, 1, 0] = np.arange(100) * 0.01  # 1 cm per frame along x
    r["grip"][:, 0, 1] = np.arange(100) * 0.02  # left hand moves but is never tracked
    lengths = hand_path_lengths(r)
    # 99 segments minus the 11 touching an untracked frame (39->40 ... 49->50) = 88 cm
    assert lengths["right"] == pytest.approx(0.88)
    assert lengths["left"] == 0.0


def test_event_metrics_by_hand():
    ev = [
        Event(10, 1.0, "GRAB", part="a"),
        Event(20, 2.0, "WRONG_ORDER", part="a"),
        Event(30, 3.0, "GRAB", part="a"),  # re-grab
        Event(40, 4.0, "SNAP", part="a"),
        Event(41, 4.0, "STEP_DONE", step="s1"),
        Event(50, 5.0, "GRAB", part="b"),
        Event(55, 5.5, "COLLISION_START", part="b"),
        Event(56, 5.6, "COLLISION_END", part="b"),
        Event(60, 6.0, "RELEASE_OUT_OF_TOLERANCE", part="b"),
        Event(61, 6.0, "WRONG_PART", part="c"),
        Event(70, 7.5, "SNAP", part="b"),
        Event(70, 7.5, "STEP_DONE", step="s2"),
        Event(70, 7.5, "TASK_COMPLETE"),
    ]
    m = event_metrics(ev, start_t=0.5)
    assert m["completion_time_s"] == 7.0
    assert m["errors"] == {"wrong_order": 1, "collision": 1, "out_of_tolerance": 1, "wrong_part": 1}
    assert (m["grabs"], m["regrabs"], m["snaps"]) == (3, 1, 2)
    assert [(s.step, s.duration_s, s.errors) for s in m["steps"]] == [("s1", 3.5, 1), ("s2", 3.5, 3)]


def _gaze_frames() -> np.ndarray:
    r = np.zeros(120, dtype=FRAME_DTYPE)
    r["t"] = np.arange(120) / 90
    r["gaze_origin"] = [0.0, 1.6, 0.0]
    r["gaze_confidence"] = 1.0
    r["gaze_direction"] = [0.0, 0.0, -1.0]  # straight ahead at the point 1 m away...
    away = np.array([1.0, 0.0, -1.0]) / np.sqrt(2)
    r["gaze_direction"][:30] = away  # ...except frames 0-29 (45 deg to the right)
    r["gaze_direction"][61:] = away  # and 61-119
    return r


def test_gaze_first_fixation_and_dwell():
    r = _gaze_frames()
    # the model: a wall at z = -1; the gaze hits it where the ray crosses z = -1
    d = r["gaze_direction"]
    hits = r["gaze_origin"] + d * (-1.0 / d[:, 2:3])
    points = {"p": np.array([0.0, 1.6, -1.0]), "far": np.array([0.3, 1.6, -1.0])}
    got = {m.point: m for m in gaze_point_metrics(r, hits, points, radius_m=0.015)}
    # frame 30 is on the point but arrives with a 45 deg jump in 1/90 s (a saccade): the
    # first fixation sample is frame 31; on-point samples are 30..60, 31 of them at 1/90 s
    assert got["p"].time_to_first_fixation_s == pytest.approx(31 / 90)
    assert got["p"].dwell_s == pytest.approx(31 / 90)
    assert got["far"].time_to_first_fixation_s is None and got["far"].dwell_s == 0.0
    moving = np.repeat(points["p"][None], 120, axis=0)
    moving[45:] += [0.5, 0.0, 0.0]  # the point's part was carried away at frame 45
    (m,) = gaze_point_metrics(r, hits, {"p": moving}, radius_m=0.015)
    assert m.dwell_s == pytest.approx(15 / 90)  # samples 30..44
    hits[40:50] = np.nan  # and nothing was hit for a while
    (m,) = gaze_point_metrics(r, hits, {"p": moving}, radius_m=0.015)
    assert m.dwell_s == pytest.approx(10 / 90)


def test_trial_metrics_from_a_recording(tmp_path):
    path = tmp_path / "t.mcap"
    session = {"participant": "P3", "variant": "B", "device": "desktop",
               "inspection_points": ["p", "q"], "params": {"inspection_radius_mm": 15.0}}
    r = _gaze_frames()
    with Trial(path, session) as trial:
        for i, rec in enumerate(r):
            f = quantize(InputFrame.from_record(rec))
            evs = []
            if i == 45:
                evs = [Event(i, f.t, "POINT_SEEN", point="p")]
            if i == 100:
                evs = [Event(i, f.t, "TASK_COMPLETE")]
            trial.record(f, evs)
        trial.end_task(completed=True)
        trial.submit(NasaTlx(50, 10, 40, 20, 60, 30))
        trial.submit(Sus((4, 2, 4, 2, 4, 2, 4, 2, 4, 2)))
    with Recording(path) as rec:
        d = rec.frames["gaze_direction"]
        hits = rec.frames["gaze_origin"] + d * (-1.0 / d[:, 2:3])
        m = trial_metrics(rec, GazeTrace(rec.frames["gaze_origin"], hits, {"p": np.array([0.0, 1.6, -1.0])}, hits, {}))
        assert rec.end["frames"] == 120 and rec.end["completed"] is True
    row = m.row()
    assert row["participant"] == "P3" and row["variant"] == "B"
    assert row["completion_time_s"] == pytest.approx(100 / 90, abs=1e-4)
    assert row["coverage"] == 0.5
    assert row["nasa_tlx"] == pytest.approx(35.0)  # (50+10+40+20+60+30)/6
    assert row["sus"] == 75.0  # odd: 5 x 3 = 15, even: 5 x 3 = 15 -> 30 x 2.5
    assert row["mean_time_to_first_fixation_s"] == pytest.approx(31 / 90, abs=1e-4)
    assert row["frames"] == 120 and row["errors_total"] == 0


def test_device_switches_are_read_back_in_order_and_odd_records_are_skipped(tmp_path):
    path = tmp_path / "t.mcap"
    r = _gaze_frames()
    with Trial(path, {"participant": "P4", "variant": "A", "device": "openxr"}) as trial:
        for i, rec in enumerate(r):
            if i == 60:
                trial.device_changed("desktop", "openxr: session lost")
            trial.record(quantize(InputFrame.from_record(rec)))
        trial.recorder.add_metadata("xrjig.device.99", {"device": "camera"})  # another tool's
    with Recording(path) as rec:
        (change,) = rec.device_changes
        assert change == {"from_frame": 60, "t": pytest.approx(59 / 90), "device": "desktop",
                          "reason": "openxr: session lost", "assist": ""}
        m = trial_metrics(rec)
    assert m.devices == "openxr → desktop at 0.7 s" and m.row()["device_switches"] == 1


def test_a_refused_mark_does_not_count_as_coverage():
    points = ["P1", "P2", "P3"]
    refused = Event(5, 0.1, EventKind.POINT_MARKED, point="P1",
                    data={"accepted": False, "reason": "not seen yet", "verdict": "pass"})
    assert coverage([refused], points) == 0.0
    seen = Event(9, 0.8, EventKind.POINT_SEEN, point="P2")
    marked = Event(12, 1.0, EventKind.POINT_MARKED, point="P2", data={"accepted": True, "verdict": "pass"})
    assert coverage([refused, seen, marked], points) == pytest.approx(1 / 3)


def test_per_person_metrics_count_each_persons_doing_and_path():
    """anna's recording of a session with bob and carl: each action counts for whoever did
    it (events' ``by``), anna's own grabs and snaps stay hers in the trial's totals, and
    each path comes from that person's own frames."""
    from interaction.metrics import event_metrics, person_metrics

    def e(kind, by=None, **data):
        return Event(0, 0.0, kind, part="p", data={**data, **({"by": by} if by else {})})

    events = [
        e(EventKind.GRAB), e(EventKind.SNAP), e(EventKind.STEP_DONE),
        e(EventKind.SHARED_HOLD, "bob", accepted=True), e(EventKind.SHARED_HOLD, "bob", accepted=False),
        e(EventKind.SNAP, "bob"), e(EventKind.STEP_DONE, "bob"), e(EventKind.STEP_DONE, "bob"),
        e(EventKind.POINT_MARKED, "carl", accepted=True), e(EventKind.POINT_MARKED, "carl", accepted=False),
        e(EventKind.POINT_MARKED, accepted=True),
    ]
    walk = np.zeros(3, dtype=[("t", "f8"), ("tracked", "u1", (2,)), ("grip", "f8", (2, 7))])
    walk["tracked"] = 1
    walk["grip"][:, 1, 0] = [0.0, 0.3, 0.7]  # the right hand walks 0.7 m
    still = np.zeros(2, dtype=walk.dtype)
    people = {p.name: p for p in person_metrics(events, "anna", still, {"bob": walk})}
    assert list(people) == ["anna", "bob", "carl"] and people["anna"].own
    assert (people["anna"].grabs, people["anna"].snaps, people["anna"].steps_done, people["anna"].verdicts) == (1, 1, 1, 1)
    assert (people["bob"].grabs, people["bob"].snaps, people["bob"].steps_done, people["bob"].verdicts) == (1, 1, 2, 0)
    assert (people["carl"].grabs, people["carl"].verdicts) == (0, 1)
    assert people["bob"].path_length_m["right"] == pytest.approx(0.7) and people["carl"].path_length_m["right"] == 0
    totals = event_metrics(events, 0.0)
    assert totals["snaps"] == 1 and totals["grabs"] == 1 and len(totals["steps"]) == 3  # steps: the team's
    assert person_metrics(events[:3], "you", still, {}) == []  # alone: no per-person table
