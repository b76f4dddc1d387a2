"""What a release does: its outcome and reason as enums, and its read-only preview.

``Engine.release_preview`` answers "what if the hand let go now?" with the same rule the
step applies at a real release, so the view can show a snap (or why not) before the
person lets go — the snap preview of desktop, camera and headset alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np


class ReleaseOutcome(str, Enum):
    """A release's outcome; the value is what RELEASE events carry in ``data.outcome``."""

    SNAP = "snap"
    WRONG_ORDER = "wrong_order"
    OUT_OF_TOLERANCE = "out_of_tolerance"
    DROP = "drop"


class ReleaseReason(str, Enum):
    """Why a held part was let go; the value is RELEASE events' ``data.reason``."""

    #: the holding strength came back up (the person opened the hand)
    LET_GO = "let_go"
    #: the hand stopped being tracked: the part drops where it is, never snaps
    TRACKING_LOST = "tracking_lost"
    #: in a shared session, someone else had the part first, or snapped it: it drops here
    TAKEN = "taken"


@dataclass(frozen=True)
class ReleasePreview:
    """The outcome a release would have now, against the nearest open slot."""

    part: str
    outcome: ReleaseOutcome
    #: the slot the outcome is about (None when the part has no open slot)
    slot: str | None = None
    #: (4, 4) world matrix the part would take in that slot
    target: np.ndarray | None = None
    position_error_mm: float | None = None
    angle_error_deg: float | None = None
    position_tolerance_mm: float | None = None
    angle_tolerance_deg: float | None = None
    #: steps still to do before that slot opens (wrong order)
    unmet: list[str] = field(default_factory=list)

    @property
    def position_ok(self) -> bool:
        return _within(self.position_error_mm, self.position_tolerance_mm)

    @property
    def angle_ok(self) -> bool:
        return _within(self.angle_error_deg, self.angle_tolerance_deg)


def _within(error: float | None, tolerance: float | None) -> bool:
    return error is not None and tolerance is not None and error <= tolerance
