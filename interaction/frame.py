"""InputFrame: the one currency between every device and the interaction engine.

Desktop simulation, MediaPipe camera tracking, OpenXR headsets and replays all produce
exactly this. A frame converts losslessly to and from one record of ``FRAME_DTYPE`` (a
NumPy structured dtype), which is how recordings store it and how it is copied cheaply.

Poses are (7,) float64 ``[px, py, pz, qx, qy, qz, qw]`` in scene space (metres, Y-up).
Aim poses point along their local -Z (OpenXR's convention), grip poses sit in the palm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, IntFlag

import numpy as np

from scenes.transforms import IDENTITY_POSE

JOINT_COUNT = 26


class Hand(IntEnum):
    LEFT = 0
    RIGHT = 1


class Joint(IntEnum):
    """The XR_EXT_hand_tracking joint order."""

    PALM = 0
    WRIST = 1
    THUMB_METACARPAL = 2
    THUMB_PROXIMAL = 3
    THUMB_DISTAL = 4
    THUMB_TIP = 5
    INDEX_METACARPAL = 6
    INDEX_PROXIMAL = 7
    INDEX_INTERMEDIATE = 8
    INDEX_DISTAL = 9
    INDEX_TIP = 10
    MIDDLE_METACARPAL = 11
    MIDDLE_PROXIMAL = 12
    MIDDLE_INTERMEDIATE = 13
    MIDDLE_DISTAL = 14
    MIDDLE_TIP = 15
    RING_METACARPAL = 16
    RING_PROXIMAL = 17
    RING_INTERMEDIATE = 18
    RING_DISTAL = 19
    RING_TIP = 20
    LITTLE_METACARPAL = 21
    LITTLE_PROXIMAL = 22
    LITTLE_INTERMEDIATE = 23
    LITTLE_DISTAL = 24
    LITTLE_TIP = 25


class Button(IntFlag):
    """Controller buttons beyond trigger (pinch) and squeeze (grab), which are analogue."""

    NONE = 0
    MENU = 1
    PRIMARY = 2  # A / X
    SECONDARY = 4  # B / Y
    THUMBSTICK_CLICK = 8


def _pose() -> np.ndarray:
    return IDENTITY_POSE.copy()


@dataclass
class HandInput:
    """One hand (or the controller held in it)."""

    tracked: bool = False
    aim: np.ndarray = field(default_factory=_pose)
    grip: np.ndarray = field(default_factory=_pose)
    #: select strength 0..1 (index-thumb pinch, or trigger)
    pinch: float = 0.0
    #: grab strength 0..1 (fist, or squeeze)
    grab: float = 0.0
    #: (26, 8) float32 rows ``[x, y, z, qx, qy, qz, qw, radius]`` or None
    joints: np.ndarray | None = None
    buttons: Button = Button.NONE
    thumbstick: np.ndarray = field(default_factory=lambda: np.zeros(2))


@dataclass
class GazeInput:
    """Eye gaze ray; confidence 0 means no gaze this frame."""

    origin: np.ndarray = field(default_factory=lambda: np.zeros(3))
    direction: np.ndarray = field(default_factory=lambda: np.array([0.0, 0.0, -1.0]))
    confidence: float = 0.0


FRAME_DTYPE = np.dtype(
    [
        ("t", "<f8"),
        ("head", "<f8", (7,)),
        ("tracked", "u1", (2,)),
        ("aim", "<f8", (2, 7)),
        ("grip", "<f8", (2, 7)),
        ("pinch", "<f4", (2,)),
        ("grab", "<f4", (2,)),
        ("has_joints", "u1", (2,)),
        ("joints", "<f4", (2, JOINT_COUNT, 8)),
        ("buttons", "<u4", (2,)),
        ("thumbstick", "<f4", (2, 2)),
        ("gaze_origin", "<f8", (3,)),
        ("gaze_direction", "<f8", (3,)),
        ("gaze_confidence", "<f4"),
    ]
)


@dataclass
class InputFrame:
    """Everything the engine knows about the user at one instant."""

    t: float
    head: np.ndarray = field(default_factory=_pose)
    hands: tuple[HandInput, HandInput] = field(default_factory=lambda: (HandInput(), HandInput()))
    gaze: GazeInput = field(default_factory=GazeInput)

    @property
    def left(self) -> HandInput:
        return self.hands[Hand.LEFT]

    @property
    def right(self) -> HandInput:
        return self.hands[Hand.RIGHT]

    def to_record(self) -> np.ndarray:
        """One FRAME_DTYPE record (a 0-d structured array)."""
        r = np.zeros((), dtype=FRAME_DTYPE)
        r["t"] = self.t
        r["head"] = self.head
        for i, h in enumerate(self.hands):
            r["tracked"][i] = h.tracked
            r["aim"][i] = h.aim
            r["grip"][i] = h.grip
            r["pinch"][i] = h.pinch
            r["grab"][i] = h.grab
            if h.joints is not None:
                r["has_joints"][i] = 1
                r["joints"][i] = h.joints
            r["buttons"][i] = int(h.buttons)
            r["thumbstick"][i] = h.thumbstick
        r["gaze_origin"] = self.gaze.origin
        r["gaze_direction"] = self.gaze.direction
        r["gaze_confidence"] = self.gaze.confidence
        return r

    def to_bytes(self) -> bytes:
        return self.to_record().tobytes()

    @classmethod
    def from_record(cls, r: np.ndarray) -> InputFrame:
        hands = tuple(
            HandInput(
                tracked=bool(r["tracked"][i]),
                aim=np.array(r["aim"][i], dtype=np.float64),
                grip=np.array(r["grip"][i], dtype=np.float64),
                pinch=float(r["pinch"][i]),
                grab=float(r["grab"][i]),
                joints=np.array(r["joints"][i]) if r["has_joints"][i] else None,
                buttons=Button(int(r["buttons"][i])),
                thumbstick=np.array(r["thumbstick"][i], dtype=np.float64),
            )
            for i in range(2)
        )
        return cls(
            t=float(r["t"]),
            head=np.array(r["head"], dtype=np.float64),
            hands=hands,  # type: ignore[arg-type]
            gaze=GazeInput(
                origin=np.array(r["gaze_origin"], dtype=np.float64),
                direction=np.array(r["gaze_direction"], dtype=np.float64),
                confidence=float(r["gaze_confidence"]),
            ),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> InputFrame:
        if len(data) != FRAME_DTYPE.itemsize:
            raise ValueError(f"an InputFrame record is {FRAME_DTYPE.itemsize} bytes, got {len(data)}")
        return cls.from_record(np.frombuffer(data, dtype=FRAME_DTYPE)[0])
