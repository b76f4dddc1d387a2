"""The main window with pytest-qt on a real X server: files, docks, selection both ways,
errors, settings, navigation and raw-input forwarding."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QMessageBox

from app.display.application import DisplayUnavailable, prepare_qt
from tests.conftest import AS1, PM4, VALIDATOR_CASES, no_display

try:
    prepare_qt()  # 3.3 core default format before pytest-qt creates the QApplication
except DisplayUnavailable as err:
    no_display(str(err))

pytestmark = pytest.mark.gl

BAD = VALIDATOR_CASES / "glb" / "invalid_magic.glb"


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "xrjig.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    from views.main_window import MainWindow

    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.resize(900, 600)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_file(AS1)
    qtbot.wait(50)
    return w


def _pixels(window):
    return window.viewport.grab_rgba()


def test_open_file_fills_viewport_outliner_and_status(window):
    scene = window.scene
    assert scene.source == AS1
    assert window.viewport.scene is scene
    assert window.outliner.topLevelItemCount() == len(scene.roots)
    plate = next(p for p in scene.parts if p.display_name == "plate")
    assert window.outliner.item_for(plate.node).text(1) == f"{scene.meshes[scene.nodes[plate.node].mesh].triangle_count:,}"
    assert "5,584 triangles" in window._triangles.text()
    img = _pixels(window)
    assert len(np.unique(img.reshape(-1, 4)[::13], axis=0)) > 50, "the model is drawn"


_KEEP_ALIVE: list[QMimeData] = []  # the events only point at their mime data


def _drop_event(path, cls=QDropEvent):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    _KEEP_ALIVE.append(mime)
    return cls(QPoint(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)


def test_drop_a_model_file_opens_it(window, tmp_path):
    note = tmp_path / "notes.txt"
    note.write_text("x")
    enter = _drop_event(note, QDragEnterEvent)
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()
    enter = _drop_event(PM4, QDragEnterEvent)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    window.dropEvent(_drop_event(PM4))
    assert window.scene.source == PM4
    assert window.recent_files()[0] == str(PM4.resolve())


def test_outliner_selection_highlights_the_part_and_fills_properties(window, qtbot):
    scene = window.scene
    plate = next(p for p in scene.parts if p.display_name == "plate")
    before = _pixels(window)
    with qtbot.waitSignal(window.selectionChanged) as sig:
        window.outliner.item_for(plate.node).setSelected(True)
    assert sig.args == [(plate.id,)]
    assert window.viewport.selection == (plate.id,)
    qtbot.wait(50)
    changed = np.any(_pixels(window) != before, axis=2)
    assert changed.mean() > 0.02
    values = window.properties.values()
    assert values["Name"] == "plate" and values["Path"] == plate.id
    lo, hi = scene.node_bounds([plate.node])
    assert values["Size"] == ", ".join(f"{x * 1000:.2f}" for x in hi - lo) + " mm"
    # a group node selects every part under it
    group = scene.nodes[scene.roots[0]]
    window.outliner.clearSelection()
    window.outliner.item_for(group.index).setSelected(True)
    assert set(window.viewport.selection) == {p.id for p in scene.parts}
    assert window.properties.values()["Part"] == "(group of parts)"


def test_click_in_viewport_selects_in_outliner(window, qtbot):
    scene = window.scene
    vp = window.viewport
    plate = next(p for p in scene.parts if p.display_name == "plate")
    # the plate's pixels, as the renderer shows them, found through its highlight
    plain = _pixels(window)
    vp.set_selection((plate.id,))
    qtbot.wait(50)
    mask = np.any(_pixels(window) != plain, axis=2)
    vp.set_selection(())
    inner = mask & np.roll(mask, 4, 0) & np.roll(mask, -4, 0) & np.roll(mask, 4, 1) & np.roll(mask, -4, 1)
    ys, xs = np.nonzero(inner)
    k = len(xs) // 2
    ratio = vp.devicePixelRatioF()
    with qtbot.waitSignal(vp.selectionChanged) as sig:
        qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=QPoint(int(xs[k] / ratio), int(ys[k] / ratio)))
    assert sig.args == [plate.id]
    assert window.outliner.selected_node() == plate.node
    assert window.properties.values()["Name"] == "plate"
    # a click on the background clears the selection
    with qtbot.waitSignal(vp.selectionChanged) as sig:
        qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert sig.args == [None]
    assert window.outliner.selected_node() is None


def test_bad_file_shows_the_error_and_keeps_the_scene(window, qtbot):
    scene = window.scene
    assert not window.open_file(BAD)
    box = window.error_box
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(box.isVisible)
    assert box.text().startswith(str(BAD)) and "\n" not in box.text()
    assert window.scene is scene and window.viewport.scene is scene
    assert str(BAD.resolve()) not in window.recent_files()
    box.accept()


def test_recent_files_and_geometry_persist(window, settings, qtbot):
    from views.main_window import MAX_RECENT, MainWindow

    window.open_file(PM4)
    assert window.recent_files()[:2] == [str(PM4.resolve()), str(AS1.resolve())]
    window.resize(820, 610)
    qtbot.wait(50)
    size = (window.width(), window.height())
    window.close()
    again = MainWindow(settings)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert again.recent_files()[:2] == [str(PM4.resolve()), str(AS1.resolve())]
    assert [a.text() for a in again._recent_menu.actions()][:2] == [PM4.name, AS1.name]
    # restored rather than the 1400x900 default (without a window manager Qt's guess of
    # the frame margins may shift it by a few tens of pixels)
    assert abs(again.width() - size[0]) < 40 and abs(again.height() - size[1]) < 40
    settings.setValue("recentFiles", [f"/x/{i}.glb" for i in range(20)])
    again.open_file(AS1)
    assert len(again.recent_files()) == MAX_RECENT


def _mouse(vp, kind, pos, button, buttons, modifiers=Qt.KeyboardModifier.NoModifier):
    p = QPointF(*pos)
    return QMouseEvent(kind, p, vp.mapToGlobal(p), button, buttons, modifiers)


def test_orbit_pan_zoom_frame_and_fly(window, qtbot):
    vp = window.viewport
    cam = vp.camera
    yaw, target, distance = cam.yaw, cam.target.copy(), cam.distance
    left = Qt.MouseButton.LeftButton
    vp.mousePressEvent(_mouse(vp, QEvent.Type.MouseButtonPress, (100, 100), left, left))
    vp.mouseMoveEvent(_mouse(vp, QEvent.Type.MouseMove, (160, 100), Qt.MouseButton.NoButton, left))
    assert cam.yaw != pytest.approx(yaw)
    np.testing.assert_allclose(cam.target, target)
    vp.mouseMoveEvent(_mouse(vp, QEvent.Type.MouseMove, (200, 130), Qt.MouseButton.NoButton, left, Qt.KeyboardModifier.ShiftModifier))
    assert not np.allclose(cam.target, target), "shift-drag pans"
    vp.mouseReleaseEvent(_mouse(vp, QEvent.Type.MouseButtonRelease, (200, 130), left, Qt.MouseButton.NoButton))
    qtbot.keyClick(vp, Qt.Key.Key_F)
    np.testing.assert_allclose(cam.target, target)
    # F with a selection frames that part: it fills the view and sits at its centre
    nut = next(p for p in window.scene.parts if p.display_name == "nut #1")
    vp.set_selection((nut.id,))
    qtbot.keyClick(vp, Qt.Key.Key_F)
    lo, hi = window.scene.node_bounds(window.scene.part_nodes(nut))
    np.testing.assert_allclose(cam.target, (lo + hi) / 2)
    assert cam.distance < distance / 2
    qtbot.keyClick(vp, Qt.Key.Key_Home)
    np.testing.assert_allclose(cam.target, target)
    vp.set_selection(())
    vp.setFocus()
    assert not vp.fly_mode
    qtbot.keyClick(vp, Qt.Key.Key_Tab)
    assert vp.fly_mode
    eye = cam.eye()
    qtbot.keyPress(vp, Qt.Key.Key_W)
    qtbot.wait(120)
    qtbot.keyRelease(vp, Qt.Key.Key_W)
    moved = cam.eye() - eye
    assert np.dot(moved, cam.forward()) > 0.5 * np.linalg.norm(moved) > 0
    qtbot.keyClick(vp, Qt.Key.Key_Tab)
    assert not vp.fly_mode
    distance = cam.distance
    from PySide6.QtGui import QWheelEvent

    wheel = QWheelEvent(
        QPointF(50, 50), vp.mapToGlobal(QPointF(50, 50)), QPoint(), QPoint(0, 240), Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )
    vp.wheelEvent(wheel)
    assert cam.distance == pytest.approx(distance * 0.85**2)


class _Sink:
    def __init__(self):
        self.calls = []

    def on_key(self, key, pressed):
        self.calls.append(("key", key, pressed))

    def on_mouse_button(self, button, pressed):
        self.calls.append(("button", button, pressed))

    def on_mouse_move(self, x, y):
        self.calls.append(("move", round(x, 3), round(y, 3)))

    def on_wheel(self, notches):
        self.calls.append(("wheel", notches))

    def release_all(self):
        self.calls.append(("release_all",))


def test_raw_input_goes_to_an_attached_sink_instead_of_the_camera(window, qtbot):
    vp = window.viewport
    sink = _Sink()
    vp.set_input_sink(sink)
    yaw = vp.camera.yaw
    vp.setFocus()
    qtbot.keyClick(vp, Qt.Key.Key_Tab)
    qtbot.keyClick(vp, Qt.Key.Key_PageUp)
    right = Qt.MouseButton.RightButton
    vp.mousePressEvent(_mouse(vp, QEvent.Type.MouseButtonPress, (0, 0), right, right))
    vp.mouseMoveEvent(_mouse(vp, QEvent.Type.MouseMove, (vp.width(), vp.height() / 2), Qt.MouseButton.NoButton, right))
    assert ("key", "tab", True) in sink.calls and ("key", "tab", False) in sink.calls
    assert ("key", "pgup", True) in sink.calls
    assert ("button", "right", True) in sink.calls
    assert ("move", 1.0, 0.0) in sink.calls
    assert not vp.fly_mode and vp.camera.yaw == yaw
    vp.set_input_sink(None)
    assert sink.calls[-1] == ("release_all",)


def test_gui_command_on_a_bad_file_opens_the_sample_and_shows_the_error(qapp, qtbot, tmp_path):
    from app.window.launch import open_window
    from scenes.samples import SAMPLE_SCENE

    # QSettings' user files go to a temporary folder, never the user's config
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path))
    window, _controller = open_window(BAD)
    qtbot.addWidget(window)
    assert window.scene.source == SAMPLE_SCENE
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible())
    assert window.error_box.text().startswith(str(BAD))
    window.error_box.accept()


def test_gui_command_without_display_says_so_in_one_line():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run([sys.executable, "-m", "app"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "DISPLAY" in proc.stderr


def test_a_model_the_gl_cannot_draw_is_reported_once_and_taken_off_the_view(window, qtbot):
    import dataclasses

    from scenes.model import Scene

    scene = window.scene
    # a real GL failure: a texture wider than any GL_MAX_TEXTURE_SIZE (llvmpipe: 16384)
    wide = np.zeros((1, 40000, 4), np.uint8)
    materials = [dataclasses.replace(m, texture=wide) for m in scene.materials]
    broken = Scene(scene.source, scene.nodes, scene.meshes, materials, scene.roots)
    with qtbot.waitSignal(window.viewport.renderFailed) as sig:
        window.viewport.set_scene(broken)
        window.viewport.update()
    assert str(scene.source) in sig.args[0] and "\n" not in sig.args[0]
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible())
    assert window.viewport.renderer.scene is None
    qtbot.wait(50)  # later frames draw the empty view without raising again


def test_a_first_start_opens_the_sample_scenario_with_its_checklist_and_variants(qapp, qtbot, tmp_path):
    from app.window.launch import open_window
    from scenes.samples import SAMPLE_SCENARIO, SAMPLE_SCENE

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path))
    window, controller = open_window(None)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: controller.session is not None)
    scenario = controller.session.scenario
    assert window.scene.source == SAMPLE_SCENE
    assert scenario.path == SAMPLE_SCENARIO
    assert [p.id for p in scenario.inspection_points] == ["P1", "P2", "P3"]
    assert set(scenario.variants) == {"novice", "expert"}
    controller.session.stop()


def test_the_wait_cursor_covers_preparing_the_scene_and_is_gone_after(window):
    """Listeners of sceneLoaded (the interaction's spatial index: seconds on a large model)
    run under the wait cursor; a load error also leaves no wait cursor behind."""
    from PySide6.QtWidgets import QApplication

    seen = []
    window.sceneLoaded.connect(
        lambda _scene: seen.append(QApplication.overrideCursor() and QApplication.overrideCursor().shape())
    )
    assert window.open_file(PM4, remember=False)
    assert seen == [Qt.CursorShape.WaitCursor]
    assert QApplication.overrideCursor() is None
    assert not window.open_file(BAD, remember=False)
    assert QApplication.overrideCursor() is None
    window.error_box.accept()


def test_model_unit_menu_rereads_the_file_and_remembers_it_for_that_file(window, settings, qtbot):
    """PINS is a millimetre model read as metres (254 m across); View ▸ Model unit ▸
    Millimetres reads it again at 1/1000, the choice sticks to that file (a new window
    too), other files keep theirs, and Metres forgets it."""
    from tests.conftest import PINS
    from views.main_window import UNIT_CHOICES, MainWindow

    assert window.open_file(PINS, remember=False)
    assert window.scene.unit_scale == 1.0 and (window.scene.bounds[1] - window.scene.bounds[0]).max() > 200
    actions = window.unit_actions
    assert [a.text() for a in actions.values()] == [label for _, label in UNIT_CHOICES]
    assert actions["m"].isChecked()
    with qtbot.waitSignal(window.sceneLoaded):
        actions["mm"].trigger()
    assert window.scene.unit_scale == 0.001 and actions["mm"].isChecked()
    assert 0.2 < (window.scene.bounds[1] - window.scene.bounds[0]).max() < 0.3
    assert window.open_file(AS1, remember=False)
    assert window.scene.unit_scale == 1.0 and actions["m"].isChecked()  # AS1 keeps metres
    assert window.open_file(PINS, remember=False) and window.scene.unit_scale == 0.001
    other = MainWindow(settings)
    qtbot.addWidget(other)
    assert other.open_file(PINS, remember=False) and other.scene.unit_scale == 0.001
    actions["m"].trigger()
    assert window.scene.unit_scale == 1.0 and window.model_unit(PINS) is None
