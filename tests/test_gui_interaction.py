"""The desktop device driven through REAL Qt mouse / key events on the viewport, with the
real engine on AS1: grab, carry and snap a part; author and mark an inspection point."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt

from app.window.controller import attach_interaction
from interaction.events import EventKind
from tests.conftest import AS1, PINS, ticked_window
from views.camera import project_points
from views.main_window import MainWindow
from views.render_state import Highlight

pytestmark = pytest.mark.gl
RATE = 1 / 90


@pytest.fixture
def gui(qtbot, tmp_path):
    # keep the viewport usable on pytest-xvfb's 800x600 screen
    window, controller = ticked_window(qtbot, tmp_path, hide=("Outliner", "Properties"))
    controller.help.hide()
    window.viewport.setFocus()
    return window, controller


class Driver:
    """Moves the simulated hand by sending the viewport real Qt input events."""

    def __init__(self, qtbot, window, controller):
        self.qtbot, self.vp, self.c = qtbot, window.viewport, controller
        self.t = 0.0

    @property
    def session(self):
        return self.c.session

    def tick(self, dt=RATE):
        self.t += dt
        return self.session.tick(self.t)

    def pixel_of(self, world):
        dev = self.session.device
        clip = dev.projection @ np.linalg.inv(dev.head_matrix) @ np.append(world, 1.0)
        x, y = clip[:2] / clip[3]
        return QPoint(round((x + 1) / 2 * self.vp.width()), round((1 - y) / 2 * self.vp.height()))

    def hand_to(self, world):
        dev = self.session.device
        inv_head = np.linalg.inv(dev.head_matrix)
        want = (inv_head @ np.append(world, 1.0))[2]
        have = (inv_head @ np.append(dev.hand_matrix(1)[:3, 3], 1.0))[2]
        key = Qt.Key.Key_E if want / have > 1 else Qt.Key.Key_Q
        self.qtbot.keyPress(self.vp, key)
        events = self.tick(abs(np.log(want / have)))  # E / Q: depth x e^(±1/s)
        self.qtbot.keyRelease(self.vp, key)
        self.move_mouse(self.pixel_of(world))
        events += self.tick()
        return events

    def move_mouse(self, pixel):
        """A real pointer move; X delivers it asynchronously, so wait until the device has it
        (after a 1-pixel detour, in case the pointer already sits on ``pixel``)."""
        self.qtbot.mouseMove(self.vp, pixel + QPoint(1, 1))
        self.qtbot.wait(10)
        self.qtbot.mouseMove(self.vp, pixel)
        w, h = self.vp.width(), self.vp.height()
        ndc = np.array([2.0 * pixel.x() / w - 1.0, 1.0 - 2.0 * pixel.y() / h])
        self.qtbot.waitUntil(lambda: np.allclose(self.session.device.cursor, ndc), timeout=3000)


def _surface_point(index, part):
    lo, hi = index.part_world_bounds(part)
    c = (lo + hi) / 2
    hit = index.ray(np.array([c[0], hi[1] + 0.1, c[2]]), np.array([0.0, -1.0, 0.0]))
    assert hit is not None and hit.part == part
    return hit.point


def test_grab_carry_snap_through_qt_events(qtbot, gui):
    window, controller = gui
    drive = Driver(qtbot, window, controller)
    session = controller.session
    assert window.viewport._sink.device is session.device  # simulated hands receive the input
    drive.tick()
    scenario = session.scenario
    step = scenario.steps[0]
    part = step.parts[0]
    grab_at = _surface_point(session.engine.index, part)
    drive.hand_to(grab_at)
    hand = session.device.hand_matrix(1)[:3, 3]
    assert np.linalg.norm(hand - grab_at) < 0.002  # pixel rounding only

    # the hand is drawn where it is: real pixels from the GL viewport
    window.viewport.repaint()
    rgba = window.viewport.grab_rgba()
    ratio = rgba.shape[0] / window.viewport.height()
    palm = drive.pixel_of(session.last_frame.right.joints[0, :3])
    r, g, b, _ = rgba[int(palm.y() * ratio), int(palm.x() * ratio)].astype(int)
    assert b > r + 40 and g > r  # the right hand's cyan

    qtbot.mousePress(window.viewport, Qt.MouseButton.RightButton, pos=drive.pixel_of(grab_at))
    events = drive.tick()
    assert (EventKind.GRAB, part) in [(e.kind, e.part) for e in events]
    assert window.viewport.render_state.highlights.get(part) is Highlight.GRABBED
    assert window.viewport.render_state.ghosts  # target ghost / magnet zone while held

    target = scenario.target_matrix(session.scene, part)
    shift = target[:3, 3] - session.engine.state.part_poses[part][:3, 3]
    # carry with the right button held: move events keep the button down
    drive.hand_to(grab_at + shift)
    qtbot.mouseRelease(
        window.viewport, Qt.MouseButton.RightButton, pos=drive.pixel_of(grab_at + shift)
    )
    events = drive.tick()
    kinds = [e.kind for e in events]
    assert EventKind.SNAP in kinds, kinds
    assert window.viewport.render_state.highlights.get(part) is Highlight.SNAPPED
    label = step.label or step.id
    assert controller.scenario_panel.step_states()[label] == "done"
    assert any(row[1] == "snap" for row in controller.event_log.rows())


def test_author_point_by_click_undo_redo_and_mark_it_from_the_dock(qtbot, gui):
    window, controller = gui
    drive = Driver(qtbot, window, controller)
    panel = controller.scenario_panel
    drive.tick()
    # author: switch to placing and click the model (the camera navigates meanwhile)
    qtbot.mouseClick(panel.place_button, Qt.MouseButton.LeftButton)
    assert controller.placer.enabled and window.viewport._sink is None
    vp = window.viewport
    index = controller.session.engine.index
    part = max(
        controller.session.scene.parts,
        key=lambda p: np.ptp(index.part_world_bounds(p.id), axis=0).prod(),
    )
    view, proj = vp.view_projection()
    x, y, _ = project_points(
        _surface_point(index, part.id)[None], view, proj, vp.width(), vp.height()
    )[0]
    click = QPoint(round(x), round(y))
    origin, direction = vp.camera.ray(click.x(), click.y(), vp.width(), vp.height())
    expected = index.ray(origin, direction)
    assert expected is not None and expected.part == part.id
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=click)
    assert list(panel.point_states()) == ["P1"]
    controller.undo_action.trigger()
    assert panel.point_states() == {}
    controller.redo_action.trigger()
    assert list(panel.point_states()) == ["P1"]
    qtbot.mouseClick(panel.place_button, Qt.MouseButton.LeftButton)
    assert vp._sink.device is controller.session.device

    drive.tick()
    point = controller.session.engine.state.points["P1"]
    np.testing.assert_allclose(point.position, expected.point, atol=1e-6)
    # look at it: the gaze follows the cursor
    drive.move_mouse(drive.pixel_of(point.position))
    for _ in range(int(0.7 / RATE) + 2):
        drive.tick()
    assert controller.session.engine.state.points["P1"].seen
    assert panel.point_states()["P1"] == "seen"

    panel.points_tree.setCurrentItem(panel.points_tree.topLevelItem(0))
    qtbot.keyClicks(panel.note_edit, "burr on edge")
    qtbot.mouseClick(
        panel.verdict_buttons[next(v for v in panel.verdict_buttons if v.value == "defect")],
        Qt.MouseButton.LeftButton,
    )
    events = drive.tick()
    marked = [e for e in events if e.kind == EventKind.POINT_MARKED]
    assert marked and marked[0].data == {
        "accepted": True,
        "verdict": "defect",
        "note": "burr on edge",
    }
    assert panel.point_states()["P1"] == "defect"


def test_params_edit_is_live_undoable_saved_and_reopened_as_variant(qtbot, gui, tmp_path):
    window, controller = gui
    session = controller.session
    assert session.scenario.variants == {} and controller.model.variant is None
    # a tolerance edited in the Parameters dock (the one tolerance editor) is the
    # scenario's own when it has no variants: no variant appears
    spin = controller.params_panel.editors["magnet_radius_mm"]
    spin.setValue(45.0)
    assert session.engine.params.magnet_radius_mm == 45.0  # live
    assert session.scenario.tolerances["magnet_mm"] == 45.0 and session.scenario.variants == {}
    controller.undo_action.trigger()
    assert controller.session.engine.params.magnet_radius_mm == 30.0 and spin.value() == 30.0
    assert "magnet_mm" not in session.scenario.tolerances
    controller.redo_action.trigger()
    assert controller.session.engine.params.magnet_radius_mm == 45.0
    # a parameter only a variant can hold makes one, said in the status bar and the dock
    controller.params_panel.editors["dwell_time_s"].setValue(0.9)
    assert session.scenario.variants == {"custom": {"dwell_time_s": 0.9}}
    assert session.scenario.default_variant == "custom" and controller.model.variant == "custom"
    assert "new variant 'custom'" in window.statusBar().currentMessage()
    assert controller.params_panel.variant_box.currentText() == "custom"
    # from now on edits go to that variant, the active one
    controller.params_panel.editors["snap_position_mm"].setValue(9.0)
    assert controller.session.engine.params.snap_position_mm == 9.0
    assert session.scenario.variants["custom"] == {"dwell_time_s": 0.9, "snap_position_mm": 9.0}
    # reorder steps with the dock's buttons; undo puts the order back
    panel = controller.scenario_panel
    order = [s.id for s in controller.session.scenario.steps]

    def running_requires(t):
        """Each step's precedence in the running task, after a tick applied the commands."""
        controller.session.tick(t)
        return {k: list(v.requires) for k, v in controller.session.engine.state.steps.items()}

    def scenario_requires():
        return {s.id: list(s.requires) for s in controller.session.scenario.steps}

    before = running_requires(RATE)
    assert order[0] in before[order[1]]  # the second step waits for the first
    panel.steps_tree.setCurrentItem(panel.steps_tree.topLevelItem(0))
    qtbot.mouseClick(panel.step_down_button, Qt.MouseButton.LeftButton)
    moved = [s.id for s in controller.session.scenario.steps]
    assert moved[:2] == [order[1], order[0]] and moved[2:] == order[2:]
    assert panel.selected_step_index() == 1
    # the running task takes the new precedence: the step now first waits for nothing
    # listed after it
    after = running_requires(2 * RATE)
    assert after == scenario_requires() and order[0] not in after[order[1]]
    controller.undo_action.trigger()
    assert [s.id for s in controller.session.scenario.steps] == order
    assert running_requires(3 * RATE) == before
    controller.redo_action.trigger()
    path = tmp_path / "as1.scenario.yaml"
    controller.save_scenario(path)

    other = MainWindow(settings=QSettings(str(tmp_path / "s2.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(other)
    reopened = attach_interaction(other, path)  # the saved default variant applies
    reopened.autostart = False
    assert other.open_file(AS1, remember=False)
    params = reopened.session.params
    assert (params.magnet_radius_mm, params.snap_position_mm, params.dwell_time_s) == (45.0, 9.0, 0.9)
    assert reopened.session.scenario.path == path
    assert [s.id for s in reopened.session.scenario.steps] == moved
    # another model opens with its own scenario: the variant does not carry over
    assert other.open_file(PINS, remember=False)
    assert other.error_box is None and reopened.model.variant is None


def test_bad_scenario_file_is_one_dialog_line(qtbot, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: missing.glb\n", encoding="utf-8")
    window = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    controller = attach_interaction(window, bad)
    controller.autostart = False
    assert window.error_box is not None and "bad.yaml" in window.error_box.text()
    assert "\n" not in window.error_box.text()
    assert window.open_file(AS1, remember=False)  # falls back to a proposed scenario
    assert controller.session is not None and controller.session.scenario.steps


def test_scenario_units_rescale_the_model_and_hands_stay_life_size(qtbot, tmp_path):
    from tests.conftest import PINS

    path = tmp_path / "pins.scenario.yaml"
    path.write_text(f"model: {PINS.as_posix()}\nunits: mm\n", encoding="utf-8")
    window = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    controller = attach_interaction(window, path)
    controller.autostart = False
    assert window.open_file(PINS, remember=False)
    scene = controller.session.scene
    assert scene.unit_scale == 0.001 and window.viewport.scene is scene
    size = scene.bounds[1] - scene.bounds[0]
    assert 0.2 < size.max() < 0.3  # the 254 mm plate, now in metres
    controller.session.tick(0.0)
    joints = controller.session.last_frame.right.joints
    span = np.linalg.norm(joints[1, :3] - joints[15, :3])  # wrist to middle tip
    assert 0.15 < span < 0.2


def test_frame_all_in_simulated_hands_mode_moves_the_head(qtbot, gui):
    window, controller = gui
    drive = Driver(qtbot, window, controller)
    drive.tick()
    qtbot.keyPress(window.viewport, Qt.Key.Key_Left)  # turn the head away
    drive.tick(0.5)
    qtbot.keyRelease(window.viewport, Qt.Key.Key_Left)
    drive.tick()
    turned = controller.session.device.head_matrix
    window.viewport.frame_all("front")
    drive.tick()
    head = controller.session.device.head_matrix
    assert not np.allclose(head, turned)
    np.testing.assert_allclose(head, window.viewport.camera.camera_to_world(), atol=1e-9)
    np.testing.assert_allclose(-head[:3, 2], [0.0, 0.0, -1.0], atol=1e-9)  # looking from the front


def test_use_device_switches_input_or_says_why_not(qtbot, gui, tmp_path):
    from app.session.session import Session
    from devices.desktop import DesktopDevice
    from devices.replay import ReplayDevice
    from interaction.recording_writer import Recorder

    window, controller = gui
    missing = ReplayDevice(tmp_path / "missing.mcap")
    assert not controller.use_device(missing)
    assert (
        "replay device unavailable" in window.error_box.text()
        and "missing.mcap" in window.error_box.text()
    )
    assert isinstance(controller.session.device, DesktopDevice)

    # a short recording of the desktop device, replayed as the session's input
    session = controller.session
    recorded = DesktopDevice(head=session.device.head_matrix, reach=0.2)
    with Recorder(tmp_path / "take.mcap", {"scene": str(AS1)}) as rec:
        headless = Session(
            session.scene,
            session.scenario,
            session.params,
            recorded,
            session.engine.index,
            recorder=rec,
        )
        for i in range(30):
            recorded.on_mouse_move(-0.5 + i / 30, 0.0)
            headless.tick(i * RATE)
    replay = ReplayDevice(tmp_path / "take.mcap")
    assert controller.use_device(replay)
    assert window.viewport._sink is None  # mouse and keys no longer drive hands
    session.tick(100.0)
    session.tick(100.0 + 10 * RATE)
    np.testing.assert_allclose(
        session.last_frame.right.grip, replay.recording.frame_at(10).right.grip, atol=1e-6
    )


def test_unknown_variant_is_reported_and_the_scenario_runs_without_it(qtbot, tmp_path):
    window = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    controller = attach_interaction(window, None, "tight")
    controller.autostart = False
    assert window.open_file(AS1, remember=False)
    assert "unknown variant 'tight'" in window.error_box.text()
    assert controller.session is not None and controller.model.variant is None


def test_measure_two_points_by_pinching_through_qt_events(qtbot, gui):
    window, controller = gui
    drive = Driver(qtbot, window, controller)
    vp, panel, session = window.viewport, controller.scenario_panel, controller.session
    drive.tick()
    qtbot.mouseClick(panel.measure_button, Qt.MouseButton.LeftButton)
    vp.setFocus()
    drive.tick()
    index = session.engine.index
    parts = sorted(
        session.scene.parts, key=lambda p: -np.ptp(index.part_world_bounds(p.id), axis=0).prod()
    )
    picked = []
    for part in parts[:2]:
        pixel = drive.pixel_of(_surface_point(index, part.id))
        drive.move_mouse(pixel)
        drive.tick()
        origin, direction = vp.camera.ray(pixel.x(), pixel.y(), vp.width(), vp.height())
        picked.append(index.ray(origin, direction).point)  # what the eye sees under the cursor
        qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=pixel)
        drive.tick()
        qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=pixel)
        drive.tick()
    m = session.engine.state.measurement
    assert m.distance_mm == pytest.approx(np.linalg.norm(picked[1] - picked[0]) * 1000, abs=0.5)
    assert panel.measure_label.text().startswith(f"{m.distance_mm:.1f} mm")
    assert any(row[1] == "measurement" for row in controller.event_log.rows())


def test_a_point_cloud_opens_view_only_and_the_session_runs(qtbot, gui, tmp_path):
    """A scan (points, no surfaces) has nothing to grab or assemble: it is shown, the
    hands still run, and the status bar says why nothing can be picked."""
    import trimesh

    window, controller = gui
    cloud = tmp_path / "scan.ply"
    points = np.random.default_rng(3).normal(size=(500, 3)) * [0.2, 0.1, 0.05]
    trimesh.PointCloud(points).export(cloud)
    assert window.open_file(cloud, remember=False)
    assert window.error_box is None
    session = controller.session
    assert session.scene.source == cloud and session.scene.triangle_count == 0
    assert session.scenario.parts == [] and session.scenario.steps == []
    assert "view only" in window.statusBar().currentMessage()
    for i in range(5):
        assert session.tick((i + 1) * RATE) == []
    assert session.last_frame.right.tracked and session.engine.state.held == [None, None]


def test_choosing_millimetres_restarts_the_task_on_the_rescaled_model(qtbot, gui):
    """The status line tells a designer with a millimetre STL/GLB where the unit is set;
    setting it restarts the session on the model at its real size."""
    from tests.conftest import PINS

    window, controller = gui
    assert window.open_file(PINS, remember=False)
    assert "View ▸ Model unit ▸ Millimetres" in window.statusBar().currentMessage()
    first = controller.session
    window.unit_actions["mm"].trigger()
    session = controller.session
    assert session is not first and session.scene.unit_scale == 0.001
    assert 0.2 < (session.scene.bounds[1] - session.scene.bounds[0]).max() < 0.3
    assert "Model unit" not in window.statusBar().currentMessage()
    session.tick(0.0)
    joints = session.last_frame.right.joints
    assert 0.15 < np.linalg.norm(joints[1, :3] - joints[15, :3]) < 0.2  # a life-size hand


def test_labels_are_painted_beside_their_point(qtbot, gui):
    """A feedback label is drawn over the GL picture: its box (in its colour) just right
    of and above the projected point, and nothing of it left of the point."""
    from views.render_state import Label

    window, controller = gui
    Driver(qtbot, window, controller).tick()
    vp = window.viewport
    centre = controller.session.scene.bounds.mean(axis=0)
    vp.repaint()
    without = vp.grab_rgba().astype(int)
    state = vp.render_state
    state.labels = [Label(centre, ("✓ snapped",), (1.0, 0.0, 0.0, 1.0))]
    vp.set_render_state(state)
    vp.repaint()
    rgba = vp.grab_rgba().astype(int)
    ratio = rgba.shape[0] / vp.height()
    view, proj = vp.view_projection()
    x, y, _ = project_points(centre[None], view, proj, vp.width(), vp.height())[0]
    changed = np.abs(rgba - without)[..., :3].max(axis=2) > 40
    ys, xs = np.nonzero(changed)
    assert len(xs) > 200  # a box, not a speck
    # the box and its leader line: right of and above the point (a pixel of rounding)
    assert xs.min() / ratio >= x - 1.5 and ys.max() / ratio <= y + 1.5
    box = changed & (rgba[..., 0] > 200) & (rgba[..., 1] < 60) & (rgba[..., 2] < 60)
    assert box.sum() > 200  # in its colour
