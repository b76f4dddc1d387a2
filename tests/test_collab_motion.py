"""The others drawn smoothly: frames interpolated a moment behind the newest, on the
sender's clock mapped to ours (app/collab/motion.py). Checked against scipy's slerp and
against the true motion the frames were sampled from, with jittered arrivals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation, Slerp

from app.collab.motion import DELAY_S, Motion, interpolate
from interaction.frame import JOINT_COUNT, InputFrame


def _frame(t: float, x: float, angle_deg: float, tracked: bool = True) -> InputFrame:
    f = InputFrame(t=t)
    f.head[:3] = [x, 1.6, 0.0]
    f.head[3:7] = Rotation.from_euler("y", angle_deg, degrees=True).as_quat()
    hand = f.hands[1]
    hand.tracked = tracked
    hand.grip[:3] = [x + 0.2, 1.2, -0.3]
    hand.aim = hand.grip.copy()
    joints = np.zeros((JOINT_COUNT, 8), np.float32)
    joints[:, :3] = hand.grip[:3]
    joints[:, 6] = 1.0
    joints[:, 7] = 0.01
    hand.joints = joints
    f.gaze.direction = np.array([np.sin(np.radians(angle_deg)), 0.0, -np.cos(np.radians(angle_deg))])
    f.gaze.confidence = 1.0
    return f


def test_interpolation_is_linear_in_place_and_follows_slerp_in_turn():
    a, b = _frame(0.0, 0.0, 10.0), _frame(0.1, 0.3, 40.0)
    for u in (0.0, 0.25, 0.5, 0.9, 1.0):
        m = interpolate(a, b, u)
        assert m.head[0] == pytest.approx(0.3 * u) and m.t == pytest.approx(0.1 * u)
        reference = Slerp([0, 1], Rotation.from_quat([a.head[3:7], b.head[3:7]]))([u])[0]
        assert (Rotation.from_quat(m.head[3:7]) * reference.inv()).magnitude() < np.radians(0.3)
        assert m.hands[1].grip[0] == pytest.approx(0.2 + 0.3 * u)
        assert m.hands[1].joints[0, 0] == pytest.approx(0.2 + 0.3 * u, abs=1e-6)
        assert np.linalg.norm(m.gaze.direction) == pytest.approx(1.0)
    # a hand that appears is not blended in from nowhere
    c = _frame(0.2, 0.3, 40.0, tracked=False)
    assert interpolate(c, b, 0.3).hands[1].tracked is False and interpolate(c, b, 0.7).hands[1].tracked is True


def test_a_30_hz_sender_with_jitter_is_drawn_smoothly_on_its_own_clock():
    """A head moving at 0.5 m/s, sent at 30 Hz, arriving after 20-60 ms (their clock 100 s
    ahead of ours): drawn at 90 Hz, every drawn position is the true one at (now - offset -
    DELAY_S), to within the interpolation's exactness for straight motion."""
    rng = np.random.default_rng(3)
    motion, arrivals = Motion(), []
    for k in range(60):
        sent = 100.0 + k / 30
        arrivals.append((sent - 100.0 + 0.02 + rng.uniform(0, 0.04), sent, _frame(sent, 0.5 * (sent - 100.0), 0.0)))
    drawn, between = [], 0
    for step in range(30, 150):
        now = step / 90
        for arrival in [a for a in arrivals if a[0] <= now]:
            motion.add(arrival[1], arrival[0], arrival[2])
        arrivals = [a for a in arrivals if a[0] > now]
        frame = motion.at(now)
        offset = min(lag for _, lag, _ in motion.frames)
        assert frame is not None
        drawn.append(frame.head[0])
        when = now - offset - DELAY_S  # the moment drawn, on their clock
        if when < motion.frames[-1][0]:
            assert frame.head[0] == pytest.approx(0.5 * (when - 100.0), abs=1e-9)
            between += 1
        else:  # past the newest: the newest, never a guess
            assert frame.t == motion.frames[-1][0]
    assert between >= 0.9 * len(drawn)  # the delay covers the jitter: nearly always between two frames
    steps = np.diff(drawn)
    assert np.all(steps >= -1e-12)  # never backwards
    assert steps.max() < 3 * 0.5 / 90  # no jumps of a whole 30 Hz frame at once


def test_a_sender_whose_clock_restarts_starts_afresh():
    motion = Motion()
    for k in range(10):
        motion.add(50.0 + k / 30, 10.0 + k / 30, _frame(50.0 + k / 30, 1.0, 0.0))
    motion.add(0.5, 11.0, _frame(0.5, 2.0, 0.0))  # their task restarted
    assert len(motion.frames) == 1 and motion.at(11.2).head[0] == 2.0
    motion.add(0.4, 11.3, _frame(0.4, 3.0, 0.0))  # older than the newest: not shown
    assert motion.at(11.4).head[0] == 2.0
