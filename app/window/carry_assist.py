"""Tells the desktop device what the engine decided about its hands: grabs and releases.

The device (devices/desktop_carry.py) carries a held part by its grab point and takes the
depth of the target under the cursor, but it knows no scene: after each step this hands it,
for every GRAB of one of its hands, the pose the engine grabbed with, the grab point and
where that point lies when the part sits in each of its open targets; and it ends the
carry of every hand the engine no longer sees holding (release, reset, rebuild). The
engine only ever sees hand poses, so recordings and replays are unchanged by the assist.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from devices.desktop import DesktopDevice
from interaction.engine import HAND_NAMES, Engine
from interaction.events import Event, EventKind
from interaction.frame import InputFrame


def sync_carries(device: DesktopDevice, engine: Engine, frame: InputFrame, events: Sequence[Event]) -> None:
    """Start and end the device's carries after the step that took ``frame``."""
    state = engine.state
    for hand in list(device.carrying):
        if state.held[hand] is None:
            device.end_carry(hand)
    for event in events:
        if event.kind != EventKind.GRAB or event.hand not in HAND_NAMES or event.part is None:
            continue
        h = HAND_NAMES.index(event.hand)
        if state.held[h] != event.part:
            continue
        hand = frame.hands[h]
        via = event.data.get("via", "near")
        if via == "ray" and state.ray_hits[h] is not None:
            driver, anchor = hand.aim, np.asarray(state.ray_hits[h])
        else:
            via, driver, anchor = "near", hand.grip, hand.grip[:3]
        pose = state.part_poses[event.part]
        to_anchor = np.linalg.inv(pose) @ np.append(anchor, 1.0)
        guides = np.array(
            [(engine.target_world(event.part, slot) @ to_anchor)[:3] for slot in engine.open_slots(event.part)]
        ).reshape(-1, 3)
        device.begin_carry(h, via, driver, anchor, guides, engine.params.magnet_radius_mm / 1000.0)
