"""Smooth motion of the others: their frames shown a moment in the past, interpolated.

Presence arrives newest-wins and best-effort, at the sender's rate (90 Hz from a window,
30 Hz from the autopilot) and with network jitter; drawing each newest frame as it comes
makes a hand stutter. So each person is drawn ``DELAY_S`` behind their newest frame, on
their own clock, between the two frames that bracket that moment (positions linear,
orientations normalised-linear, which is close to slerp for the small turns between two
frames). The sender's clock is mapped to ours by the smallest (arrival − send time) seen
lately: the least-delayed message is the best estimate of the offset, and jitter only
ever adds to it. A sender whose clock jumps back (a restarted task) starts afresh. Nothing
is extrapolated: past the newest frame the newest is shown.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from interaction.frame import GazeInput, HandInput, InputFrame

#: how far behind a person's newest frame they are drawn (s): two frames at 30 Hz + jitter
DELAY_S = 0.075
#: frames kept per person (a second at 30 Hz is more than DELAY_S needs)
KEEP = 32
#: a send time this far before the previous one means the sender's clock restarted
CLOCK_JUMP_S = 1.0


def _pose(a: np.ndarray, b: np.ndarray, u: float) -> np.ndarray:
    """Two [x, y, z, qx, qy, qz, qw] poses (or rows of them), ``u`` of the way from a to b."""
    q_a, q_b = a[..., 3:7], b[..., 3:7]
    sign = np.where(np.sum(q_a * q_b, axis=-1, keepdims=True) < 0.0, -1.0, 1.0)
    q = (1.0 - u) * q_a + u * sign * q_b
    q = q / np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), 1e-12)
    out = np.array(a, dtype=np.float64 if a.dtype == np.float64 else a.dtype)
    out[..., :3] = (1.0 - u) * a[..., :3] + u * b[..., :3]
    out[..., 3:7] = q
    return out


def _hand(a: HandInput, b: HandInput, u: float) -> HandInput:
    if a.tracked != b.tracked or (a.joints is None) != (b.joints is None):
        return b if u >= 0.5 else a  # a hand appearing or losing its joints is not blended
    joints = None
    if a.joints is not None and b.joints is not None:
        joints = _pose(a.joints, b.joints, u).astype(a.joints.dtype)
        joints[:, 7] = (1.0 - u) * a.joints[:, 7] + u * b.joints[:, 7]
    near = b if u >= 0.5 else a
    return HandInput(tracked=b.tracked, aim=_pose(a.aim, b.aim, u), grip=_pose(a.grip, b.grip, u),
                     pinch=(1.0 - u) * a.pinch + u * b.pinch, grab=(1.0 - u) * a.grab + u * b.grab,
                     joints=joints, buttons=near.buttons, thumbstick=near.thumbstick.copy())


def interpolate(a: InputFrame, b: InputFrame, u: float) -> InputFrame:
    """The frame ``u`` (0-1) of the way from ``a`` to ``b``."""
    direction = (1.0 - u) * a.gaze.direction + u * b.gaze.direction
    norm = float(np.linalg.norm(direction))
    gaze = GazeInput((1.0 - u) * a.gaze.origin + u * b.gaze.origin,
                     direction / norm if norm > 1e-9 else b.gaze.direction.copy(),
                     (1.0 - u) * a.gaze.confidence + u * b.gaze.confidence)
    hands = (_hand(a.hands[0], b.hands[0], u), _hand(a.hands[1], b.hands[1], u))
    return InputFrame((1.0 - u) * a.t + u * b.t, _pose(a.head, b.head, u), hands, gaze)


@dataclass
class Motion:
    """One person's recent frames, and what to draw of them at a given moment."""

    #: (their send time, arrival − send time, frame), oldest first
    frames: deque[tuple[float, float, InputFrame]] = field(default_factory=lambda: deque(maxlen=KEEP))

    def add(self, sent: float, received: float, frame: InputFrame) -> None:
        """A frame the sender stamped ``sent`` (its clock) that arrived at ``received`` (ours)."""
        if self.frames and sent < self.frames[-1][0] - CLOCK_JUMP_S:
            self.frames.clear()
        if self.frames and sent <= self.frames[-1][0]:
            return  # not newer than what we have
        self.frames.append((sent, received - sent, frame))

    def at(self, now: float, delay: float = DELAY_S) -> InputFrame | None:
        """The frame to draw at ``now`` (our clock): ``delay`` behind, interpolated."""
        if not self.frames:
            return None
        when = now - min(lag for _, lag, _ in self.frames) - delay
        newest_t, _, newest = self.frames[-1]
        if when >= newest_t:
            return newest
        if when <= self.frames[0][0]:
            return self.frames[0][2]
        k = int(np.searchsorted([t for t, _, _ in self.frames], when, side="right"))
        (t_a, _, a), (t_b, _, b) = self.frames[k - 1], self.frames[k]
        return interpolate(a, b, (when - t_a) / (t_b - t_a))
