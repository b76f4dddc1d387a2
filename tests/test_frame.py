"""InputFrame: lossless record round trip, the invariant recordings and replay rely on."""

from __future__ import annotations

import numpy as np
import pytest

from interaction.frame import FRAME_DTYPE, JOINT_COUNT, Button, Hand, InputFrame, Joint


def _frame(seed: int) -> InputFrame:
    rng = np.random.default_rng(seed)
    f = InputFrame(t=float(rng.uniform(0, 100)), head=rng.normal(size=7))
    f.right.tracked = True
    f.right.aim = rng.normal(size=7)
    f.right.pinch = 0.75
    f.right.joints = rng.normal(size=(JOINT_COUNT, 8)).astype(np.float32)
    f.right.buttons = Button.MENU | Button.PRIMARY
    f.left.grab = 0.5
    f.gaze.confidence = 0.9
    f.gaze.direction = np.array([0.0, 1.0, 0.0])
    return f


def test_record_round_trip_is_lossless():
    f = _frame(1)
    g = InputFrame.from_bytes(f.to_bytes())
    assert g.t == f.t
    np.testing.assert_array_equal(g.head, f.head)
    np.testing.assert_array_equal(g.right.aim, f.right.aim)
    np.testing.assert_array_equal(g.right.joints, f.right.joints)
    assert g.left.joints is None
    assert g.right.buttons == Button.MENU | Button.PRIMARY
    assert g.right.tracked and not g.left.tracked
    assert g.left.grab == 0.5 and g.right.pinch == 0.75
    assert g.gaze.confidence == pytest.approx(0.9)


def test_record_size_and_bad_length():
    assert len(_frame(2).to_bytes()) == FRAME_DTYPE.itemsize
    with pytest.raises(ValueError, match="bytes"):
        InputFrame.from_bytes(b"\0" * 10)


def test_joint_order_is_openxr():
    assert len(Joint) == JOINT_COUNT
    assert Joint.PALM == 0 and Joint.WRIST == 1 and Joint.INDEX_TIP == 10 and Joint.LITTLE_TIP == 25
    assert Hand.LEFT == 0 and Hand.RIGHT == 1
