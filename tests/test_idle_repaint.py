"""An idle session does not repaint: the same picture is not drawn again.

The session steps 90 times a second whether or not anything moves; the window used to
repaint every step it saw, which on software OpenGL kept more than a core busy with the
sample open and nobody touching it (measured: 1.45 cores idle, 0.32 after).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint

from scenes.samples import SAMPLE_SCENARIO, SAMPLE_SCENE
from tests.conftest import interaction_window
from tests.test_gui_interaction import Driver
from views.render_state import CameraBackdrop, Label, RenderState


def _state() -> RenderState:
    return RenderState(
        part_poses={"a": np.eye(4), "b": np.eye(4) * 2},
        ghosts=[("a", np.eye(4), (0.1, 0.2, 0.3, 0.4))],
        lines=np.zeros((2, 2, 3), np.float32), line_colors=np.ones((2, 4), np.float32),
        points=np.zeros((1, 3), np.float32), point_radii=np.ones(1, np.float32),
        point_colors=np.ones((1, 4), np.float32),
        labels=[Label(np.zeros(3), ("snapped",))],
    )


def test_equal_states_draw_alike_and_any_visible_change_does_not():
    a, b = _state(), _state()
    assert a.draws_as(b) and b.draws_as(a)
    moved = _state()
    moved.part_poses["b"] = moved.part_poses["b"].copy()
    moved.part_poses["b"][0, 3] = 0.001
    changes = [
        moved,
        dataclasses.replace(b, part_poses={"a": np.eye(4)}),
        dataclasses.replace(b, ghosts=[("a", np.eye(4), (0.1, 0.2, 0.3, 0.5))]),
        dataclasses.replace(b, lines=np.ones((2, 2, 3), np.float32)),
        dataclasses.replace(b, points=np.zeros((2, 3), np.float32)),
        dataclasses.replace(b, labels=[Label(np.zeros(3), ("snapped", "0.2 mm"))]),
        dataclasses.replace(b, labels=[]),
        dataclasses.replace(b, show_grid=False),
        dataclasses.replace(b, background=None),
    ]
    for changed in changes:
        assert not a.draws_as(changed), changed
    picture = np.zeros((4, 4, 3), np.uint8)
    with_backdrop = dataclasses.replace(a, camera_backdrop=CameraBackdrop(picture, np.eye(4)))
    assert with_backdrop.draws_as(dataclasses.replace(a, camera_backdrop=with_backdrop.camera_backdrop))
    # a new camera picture is a new array: drawn again even if its pixels happen to match
    assert not with_backdrop.draws_as(dataclasses.replace(a, camera_backdrop=CameraBackdrop(picture.copy(), np.eye(4))))


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _obj, event) -> bool:  # noqa: N802 (Qt's name)
        self.count += event.type() == QEvent.Type.Paint
        return False


@pytest.mark.gl
def test_an_idle_session_is_not_repainted_and_a_hand_move_is(qtbot, tmp_path):
    window, controller = interaction_window(qtbot, tmp_path, hide=("Outliner", "Properties"))
    controller.request_scenario(SAMPLE_SCENARIO)
    assert window.open_file(SAMPLE_SCENE, remember=False)
    controller.help.hide()
    drive, vp = Driver(qtbot, window, controller), window.viewport
    poses = controller.session.engine.state.part_poses
    start = drive.pixel_of(next(iter(poses.values()))[:3, 3])  # the pointer over a part
    drive.move_mouse(start)
    for _ in range(10):  # settle: the hand reaches the pointer
        drive.tick()
        qtbot.wait(5)
    paints = _Paints()
    vp.installEventFilter(paints)
    shown = vp.render_state
    for _ in range(30):  # a third of a second of steps with nobody touching anything
        drive.tick()
        qtbot.wait(3)
    assert paints.count == 0 and vp.render_state is shown
    drive.move_mouse(start + QPoint(60, 40))
    drive.tick()
    qtbot.waitUntil(lambda: paints.count > 0, timeout=2000)
    assert vp.render_state is not shown
    vp.removeEventFilter(paints)
