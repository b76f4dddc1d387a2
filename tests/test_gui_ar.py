"""Desktop AR in the real window (issue 13, parts 3 and 4): a scenario with an ``anchor:``
is opened, a rendered picture of its marker (tests/ar_scene.py: AS1's marker seen through
a barrel lens) is played as the camera, and AR is switched on with the Device menu's
action. The model must then be drawn over the picture where the true camera would see it
(read back from the viewport's pixels), picks and the view's projection must follow the
picture, the registration check must show its residual, and a marker leaving the picture
must hide the model and say so. The marker is then placed on the model by a click
computed from what is on screen, undone, redone, saved and read back."""

from __future__ import annotations

import os
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from devices.camera.intrinsics import gl_view_matrix, write_camera_file
from devices.camera.marker_tracking import TrackState
from scenes.scenario import load_scenario
from tests import ar_scene
from tests.conftest import AS1, interaction_window
from tests.marker_scene import MarkerRenderer
from views.anchor_marker import MARKER_COLOR, MarkerDialog
from views.render_state import CameraBackdrop, RenderState, backdrop_rect

pytestmark = pytest.mark.gl
#: the true camera: 0.45 m from the model, 40 degrees above the table, 20 to the side
TRUE_POSE_ARGS = (20.0, 40.0, 0.45)
DOCKS = ("Outliner", "Properties", "Scenario", "Parameters", "Event log", "Camera")
HEADER = "# AS1 on the bench, registered by a printed marker (kept by a save)\n"


@pytest.fixture(scope="module")
def media(qapp, as1, tmp_path_factory) -> dict[str, Path]:
    """The camera's side of the test: a photo of the marker through the lens, its camera
    file, and a video of the marker seen for 0.6 s then leaving the picture (4 s)."""
    folder = tmp_path_factory.mktemp("ar-gui")
    pictures = MarkerRenderer(ar_scene.PINHOLE)
    try:
        seen = ar_scene.picture(pictures, as1, ar_scene.world_from_camera(*TRUE_POSE_ARGS))
    finally:
        pictures.close()
    photo = folder / "bench.png"
    cv2.imwrite(str(photo), ar_scene.distorted(seen, ar_scene.distort_maps()))
    card = np.empty_like(seen)
    card[:] = ar_scene.CARD
    video = folder / "away.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (640, 480))
    for i in range(115):
        writer.write(seen if i < 15 else card)
    writer.release()
    camera = folder / "webcam.yaml"
    write_camera_file(camera, ar_scene.CAMERA, "rendered test lens")
    return {"photo": photo, "video": video, "camera": camera}


def write_scenario(folder: Path, anchor: bool = True) -> Path:
    path = folder / "bench.yaml"
    text = HEADER + f"model: {os.path.relpath(AS1, folder)}\nparts: []   # an inspection: nothing moves\n"
    path.write_text(text + (ar_scene.ANCHOR_YAML if anchor else ""), encoding="utf-8")
    return path


@pytest.fixture
def gui(qtbot, tmp_path):
    window, controller = interaction_window(qtbot, tmp_path, size=(1000, 700), hide=DOCKS)
    errors: list[str] = []
    window.show_error = errors.append
    yield window, controller, errors
    if controller.session is not None:
        controller.session.stop()  # ends the tracker thread


class Clock:
    """Ticks the session (the controller then builds the view's RenderState)."""

    def __init__(self, qtbot, controller):
        self.qtbot, self.controller, self.t = qtbot, controller, 0.0

    def tick(self, n: int = 1) -> None:
        for _ in range(n):
            self.t += 1 / 90
            self.controller.session.tick(self.t)

    def until(self, predicate, timeout: int = 20000) -> None:
        def check():
            self.tick()
            assert predicate()

        self.qtbot.waitUntil(check, timeout=timeout)


def ar_view(window) -> CameraBackdrop | None:
    return window.viewport.render_state.camera_backdrop


def true_silhouette(window, scene) -> np.ndarray:
    """(h, w) bool: the model drawn from the true camera, letterboxed as the viewport
    letterboxes the picture (a renderer of its own, offscreen)."""
    from app.display.offscreen import OffscreenTarget
    from views.renderer import Renderer

    vp = window.viewport
    w, h = vp.width(), vp.height()
    target = OffscreenTarget(w, h, samples=4)
    renderer = Renderer()
    renderer.set_scene(scene)
    try:
        view = gl_view_matrix(np.linalg.inv(ar_scene.world_from_camera(*TRUE_POSE_ARGS)))
        proj = ar_scene.PINHOLE.gl_projection(0.01, 100.0)
        rect = backdrop_rect((0, 0, w, h), 640, 480)
        state = RenderState(show_grid=False, background=None)
        rgba = target.render(lambda fb: renderer.draw(view, proj, rect, fb, state))
    finally:
        target.make_current()
        renderer.release()
        target.close()
    return rgba[:, :, 3] > 127


def test_ar_puts_the_model_on_the_picture_where_the_camera_sees_it(gui, qtbot, media, tmp_path, monkeypatch,
                                                                    record_property):
    window, controller, errors = gui
    assert controller.open_scenario(write_scenario(tmp_path))
    ar = controller.ar
    assert not ar.toggle_action.isEnabled() and "camera" in ar.toggle_action.toolTip()
    camera_before = window.viewport.camera.camera_to_world()
    assert controller.devices.choose(f"video:{media['photo']}")
    # the calibration file, through its menu action and file dialog
    monkeypatch.setattr("app.window.ar_mode.QFileDialog.getOpenFileName",
                        lambda *a, **k: (str(media["camera"]), ""))
    controller.devices.menu.aboutToShow.emit()  # the Device menu opens: AR entries, enabled
    assert ar.toggle_action in controller.devices.menu.actions() and ar.toggle_action.isEnabled()
    clock = Clock(qtbot, controller)
    clock.until(lambda: controller.session.device.snapshot() is not None)
    ar.calibration_action.trigger()
    ar.toggle_action.trigger()
    assert ar.on and errors == []

    # (a) the backdrop, with a pose, reaches the viewport's RenderState
    clock.until(lambda: ar_view(window) is not None and ar_view(window).view is not None)
    snap = controller.session.device.snapshot()
    assert snap.ar.state is TrackState.TRACKING and not snap.ar.approximate
    # (c) the registration check
    match = re.fullmatch(r"AR: marker 23, residual (\d+\.\d) px", ar.residual_label.text())
    assert match and float(match[1]) < 1.0 and ar.residual_label.isVisible()

    # (b) the model's silhouette, from the viewport's pixels: the view with the model minus
    # the same picture alone, against the model drawn from the true camera
    vp = window.viewport
    shown = vp.render_state
    with_model = vp.grab_rgba()[:, :, :3].astype(np.int16)
    alone = CameraBackdrop(shown.camera_backdrop.image, shown.camera_backdrop.projection, None)
    vp.set_render_state(RenderState(camera_backdrop=alone))
    picture = vp.grab_rgba()[:, :, :3].astype(np.int16)
    vp.set_render_state(shown)
    mask = np.abs(with_model - picture).sum(axis=2) > 40
    truth = true_silhouette(window, controller.session.scene)
    assert mask.shape == truth.shape and truth.sum() > 2000
    iou = (mask & truth).sum() / (mask | truth).sum()
    assert iou >= 0.95, iou

    # picks (and so labels, through the same view_projection) follow the picture: a pixel
    # of the true silhouette picks the surface the true camera sees there, a pixel of the
    # bare picture picks nothing
    rng = np.random.default_rng(5)
    x0, y0, rw, rh = backdrop_rect((0, 0, vp.width(), vp.height()), 640, 480)
    top = vp.height() - y0 - rh  # GL's rectangle counts from the bottom
    camera_from_world = np.linalg.inv(ar_scene.world_from_camera(*TRUE_POSE_ARGS))
    inside = np.argwhere(cv2.erode(truth.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool))
    off = []
    for y, x in inside[rng.choice(len(inside), 40, replace=False)]:
        assert vp.pick(float(x), float(y)) is not None
        hit = controller.session.engine.index.ray(*vp.ray(float(x), float(y)))
        u, v, w = ar_scene.K @ (camera_from_world[:3, :3] @ hit.point + camera_from_world[:3, 3])
        off.append(np.hypot(x0 + (u / w + 0.5) * rw / 640 - x, top + (v / w + 0.5) * rh / 480 - y))
    assert max(off) < 1.5, max(off)  # where the true camera images the picked point
    record_property("figures", f"AR in the window: silhouette IoU {iou:.3f} against the true camera's; "
                               f"picked points {np.median(off):.2f} px (max {max(off):.2f}) from where the true "
                               f"camera images them; residual {match[1]} px; viewport {vp.width()}x{vp.height()}")
    bare = np.zeros_like(truth)
    bare[top + 3: top + rh - 3, x0 + 3: x0 + rw - 3] = True
    bare &= ~cv2.dilate(truth.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    outside = np.argwhere(bare)
    assert all(vp.pick(float(x), float(y)) is None for y, x in outside[rng.choice(len(outside), 40, replace=False)])

    # the orbit camera is not moved by a drag, wheel or Home while AR is on...
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=QPoint(200, 200))
    qtbot.mouseMove(vp, QPoint(320, 260))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=QPoint(320, 260))
    qtbot.keyClick(vp, Qt.Key.Key_Home)
    np.testing.assert_allclose(vp.camera.camera_to_world(), camera_before)
    # ... and is back, where it was, when AR goes off
    ar.toggle_action.trigger()
    clock.tick(2)
    assert vp.render_state.camera_backdrop is None and not ar.residual_label.isVisible()
    np.testing.assert_allclose(vp.view_projection()[0], np.linalg.inv(camera_before), atol=1e-9)
    assert errors == []

    # privacy: the picture reaches the disk only through Save camera snapshot…
    written = {p.name for p in tmp_path.iterdir()}
    assert written <= {"settings.ini", "bench.yaml"}, written
    monkeypatch.setattr("app.window.ar_mode.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "shot"), ""))
    clock.until(lambda: controller.session.device.snapshot().ar is None)  # the photo as taken again
    ar.snapshot_action.trigger()
    assert np.array_equal(cv2.imread(str(tmp_path / "shot.png")), cv2.imread(str(media["photo"])))


def test_a_marker_leaving_the_picture_hides_the_model_and_says_so(gui, qtbot, media, tmp_path):
    """Without a calibration file the intrinsics come from the field of view, and the
    status bar says the registration is approximate; then the marker leaves the picture."""
    window, controller, errors = gui
    assert controller.open_scenario(write_scenario(tmp_path))
    assert controller.devices.choose(f"video:{media['video']}")
    ar = controller.ar
    ar.toggle_action.trigger()
    assert ar.on
    assert "approximate" in window.statusBar().currentMessage()
    clock = Clock(qtbot, controller)
    clock.until(lambda: "residual" in ar.residual_label.text())
    assert ar.residual_label.text().endswith("(approximate)")
    clock.until(lambda: ar.residual_label.text() == "AR: marker 23 lost")
    # (d) the model and its labels are gone, the picture stays, the status line says why
    shown = window.viewport.render_state
    assert shown.camera_backdrop is not None and shown.camera_backdrop.view is None and not shown.labels
    assert re.search(r"marker 23 lost \(\d+\.\d s out of sight\): model hidden", window.statusBar().currentMessage())
    vp = window.viewport
    rgb = vp.grab_rgba()[:, :, :3].astype(np.int16)
    x0, y0, rw, rh = backdrop_rect((0, 0, vp.width(), vp.height()), 640, 480)
    inside = rgb[vp.height() - y0 - rh + 2: vp.height() - y0 - 2, x0 + 2: x0 + rw - 2]
    off_card = np.abs(inside - np.array(ar_scene.CARD[::-1])).sum(axis=2) > 60
    assert off_card.mean() < 0.002, off_card.mean()  # the card alone: no model drawn
    assert vp.pick(vp.width() / 2, vp.height() / 2) is None
    # the device switching away ends AR
    assert controller.devices.choose("desktop")
    clock.tick(2)
    assert not ar.on and vp.render_state.camera_backdrop is None and not ar.residual_label.isVisible()
    assert not ar.toggle_action.isEnabled() and "camera" in ar.toggle_action.toolTip()
    assert errors == []


def _fill_marker_dialog(qtbot, size_mm: float, marker_id: int, dictionary: str) -> list[bool]:
    """Answer the marker dialog as a person would, once it shows (True once done)."""
    done: list[bool] = []

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, MarkerDialog):
            QTimer.singleShot(20, answer)
            return
        dialog.size_box.setValue(size_mm)
        dialog.id_box.setValue(marker_id)
        dialog.dictionary_box.setCurrentText(dictionary)
        done.append(True)
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(20, answer)
    return done


def test_placing_the_marker_by_a_click_undo_redo_and_save(gui, qtbot, tmp_path):
    window, controller, errors = gui
    path = write_scenario(tmp_path, anchor=False)
    assert controller.open_scenario(path)
    ar, vp, session = controller.ar, window.viewport, controller.session
    assert not ar.toggle_action.isEnabled() and "no AR marker" in ar.toggle_action.toolTip()
    # a point of the plate's top face that the view shows: cast down onto the plate, keep
    # the first point the view's own ray through its pixel reaches unobstructed
    scene, index = session.scene, session.engine.index
    plate = scene.node_bounds([next(n.index for n in scene.nodes if n.path == "as1/plate")])
    view, proj = vp.view_projection()
    target = pixel = None
    for fx in np.linspace(0.15, 0.85, 8):
        for fz in np.linspace(0.15, 0.85, 8):
            above = np.array([plate[0][0] + fx * (plate[1][0] - plate[0][0]), plate[1][1] + 0.2,
                              plate[0][2] + fz * (plate[1][2] - plate[0][2])])
            hit = index.ray(above, np.array([0.0, -1.0, 0.0]))
            if hit is None or hit.part != "as1/plate" or hit.normal[1] < 0.999:
                continue
            clip = proj @ view @ np.append(hit.point, 1.0)
            x, y = (clip[0] / clip[3] + 1) / 2 * vp.width(), (1 - clip[1] / clip[3]) / 2 * vp.height()
            seen = index.ray(*vp.ray(round(x), round(y)))
            if seen is not None and seen.part == "as1/plate" and np.linalg.norm(seen.point - hit.point) < 0.002:
                target, pixel = hit.point, QPoint(round(x), round(y))
                break
        if target is not None:
            break
    assert target is not None, "no visible point of the plate's top"

    simulating = controller.simulate_action.isChecked()
    ar.placement.place_action.trigger()
    assert ar.placement.placer.enabled and not controller.simulate_action.isChecked()  # the mouse clicks, not a hand
    answered = _fill_marker_dialog(qtbot, 60.0, 7, "DICT_4X4_50")
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=pixel)
    assert answered == [True]
    assert not ar.placement.placer.enabled and controller.simulate_action.isChecked() == simulating

    anchor = controller.model.scenario.anchor
    assert anchor is not None and (anchor.marker_id, anchor.size_m, anchor.dictionary) == (7, 0.06, "DICT_4X4_50")
    assert anchor.node == "as1/plate"
    frame = anchor.model_from_target(scene)
    assert np.linalg.norm(frame[:3, 3] - target) < 0.002  # on the clicked point (a pixel's rounding)
    np.testing.assert_allclose(frame[:3, 2], [0.0, 1.0, 0.0], atol=1e-6)  # facing out of the face
    np.testing.assert_allclose(frame[:3, 1], [0.0, 0.0, -1.0], atol=1e-6)  # a level face: top edge to the back
    assert ar.toggle_action.toolTip().startswith("needs a camera")

    # drawn on the model while AR is off: a yellow square and a label naming it
    Clock(qtbot, controller).tick()
    state = vp.render_state
    yellow = np.all(np.isclose(state.line_colors, MARKER_COLOR), axis=1)
    assert yellow.sum() >= 8
    ends = state.lines[yellow].reshape(-1, 3)
    assert np.abs(ends[:, 1] - target[1]).max() < 0.002  # flat on the face
    assert any(label.lines[0].startswith("AR marker 7 (DICT_4X4_50, 60 mm)") for label in state.labels)

    stack = controller.model.document.stack
    stack.undo()
    assert controller.model.scenario.anchor is None
    stack.redo()
    assert controller.model.scenario.anchor is anchor
    controller.save_action.trigger()  # File ▸ Save scenario: into its own file
    assert errors == [] and not controller.model.unsaved
    text = path.read_text(encoding="utf-8")
    assert text.startswith(HEADER)  # the person's comment stays
    again = load_scenario(path).anchor
    assert (again.marker_id, again.size_m, again.dictionary, again.node) == (7, 0.06, "DICT_4X4_50", "as1/plate")
    np.testing.assert_allclose(again.pose, anchor.pose, atol=1e-9)
