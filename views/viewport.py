"""The desktop 3D view: a thin QOpenGLWidget around the shared Renderer and a Camera.

Navigation: left-drag orbits, middle-drag or Shift+left-drag pans, the wheel zooms,
F frames the selection (everything when nothing is selected), Home frames everything. Tab toggles fly mode (W A S D walk, Q E down/up, Shift
faster, left-drag looks around). A click without a drag selects the part under the
cursor through the SceneIndex (a ray query, never a loop over triangles).

Other input consumers (the simulated-hands desktop device) attach through
``set_input_sink``: while a sink is attached, raw mouse and key input goes to it as plain
data (lower-case Qt key names, NDC cursor positions, wheel notches) instead of driving
the camera, so the device needs no Qt.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Protocol

import numpy as np
from OpenGL.error import GLError
from PySide6.QtCore import QCoreApplication, QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QWheelEvent,
)
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QWidget

from scenes.index import SceneIndex
from scenes.model import Scene
from scenes.transforms import transform_points
from views.camera import Camera
from views.labels import paint_labels
from views.qimage import image_to_array
from views.render_state import Highlight, RenderState, backdrop_rect
from views.renderer import Renderer
from views.scene_batches import SceneBatches

_log = logging.getLogger(__name__)
_ORBIT_PER_PIXEL = 0.008  # radians
_CLICK_SLOP = 4  # pixels a press may travel and still count as a click
_FLY_KEYS = {
    Qt.Key.Key_W: (0.0, 0.0, -1.0),
    Qt.Key.Key_S: (0.0, 0.0, 1.0),
    Qt.Key.Key_A: (-1.0, 0.0, 0.0),
    Qt.Key.Key_D: (1.0, 0.0, 0.0),
    Qt.Key.Key_Q: (0.0, -1.0, 0.0),
    Qt.Key.Key_E: (0.0, 1.0, 0.0),
}
_BUTTON_NAMES = {
    Qt.MouseButton.LeftButton: "left",
    Qt.MouseButton.RightButton: "right",
    Qt.MouseButton.MiddleButton: "middle",
}


class InputSink(Protocol):
    """What receives raw viewport input instead of the camera (e.g. DesktopDevice)."""

    def on_key(self, key: str, pressed: bool) -> None: ...
    def on_mouse_button(self, button: str, pressed: bool) -> None: ...
    def on_mouse_move(self, ndc_x: float, ndc_y: float) -> None: ...
    def on_wheel(self, notches: float) -> None: ...
    def release_all(self) -> None: ...


class Viewport(QOpenGLWidget):
    """Draws the scene with the shared renderer; emits what the user clicked."""

    #: the part id clicked in the view, or None when the click hit nothing
    selectionChanged = Signal(object)
    #: milliseconds the last paint took (CPU side, GL calls issued)
    frameTimeChanged = Signal(float)
    flyModeChanged = Signal(bool)
    #: one sentence when the renderer failed and the scene was taken off the view
    renderFailed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(200, 150)
        self.renderer = Renderer()
        self.camera = Camera()
        self._state = RenderState()
        self._selected: tuple[str, ...] = ()
        self._scene: Scene | None = None
        self._index: SceneIndex | None = None
        self._sink: InputSink | None = None
        self._press: QPointF | None = None
        self._last: QPointF | None = None
        self._fly = False
        self._fly_keys: set[int] = set()
        self._fly_timer = QTimer(self)
        self._fly_timer.setInterval(16)
        self._fly_timer.timeout.connect(self._fly_step)
        self._fly_clock = time.perf_counter()
        self.frame_ms = 0.0

    # -- public API --------------------------------------------------------------------
    @property
    def scene(self) -> Scene | None:
        return self._scene

    def set_scene(self, scene: Scene | None, batches: SceneBatches | None = None) -> None:
        """Show a scene (uploaded at the next paint, from ``batches`` when they were built
        already) and frame it."""
        self._scene = scene
        self._index = None
        self._selected = ()
        self.renderer.set_scene(scene, batches)
        self.frame_all()

    def set_render_state(self, state: RenderState) -> None:
        """Per-frame state from the interaction layer (poses, highlights, overlays); the
        same picture as the last is not painted again (see ``RenderState.draws_as``)."""
        if state.draws_as(self._state):
            return
        self._state = state
        self.update()

    @property
    def render_state(self) -> RenderState:
        return self._state

    def set_selection(self, part_ids: list[str] | tuple[str, ...]) -> None:
        """Highlight these parts as selected (does not emit selectionChanged)."""
        self._selected = tuple(part_ids)
        self.update()

    @property
    def selection(self) -> tuple[str, ...]:
        return self._selected

    def set_input_sink(self, sink: InputSink | None) -> None:
        """Route raw input to `sink` (None: back to camera navigation)."""
        if self._sink is not None:
            self._sink.release_all()
        self._sink = sink

    def frame_all(self, view: str | None = None) -> None:
        bounds = self._scene.bounds if self._scene is not None else None
        self.camera.frame(bounds, self._aspect(), view)
        self.update()

    def frame_selection(self) -> None:
        """Frame the selected parts (as drawn, moved or not); everything when none is."""
        scene = self._scene
        if scene is None or not self._selected:
            self.frame_all()
            return
        corners = []
        for part_id in self._selected:
            part = scene.part(part_id)
            bounds = scene.node_bounds(scene.part_nodes(part))
            if bounds is None:
                continue
            box = np.array([[bounds[i][0], bounds[j][1], bounds[k][2]] for i in (0, 1) for j in (0, 1) for k in (0, 1)])
            pose = self._state.part_poses.get(part_id)
            if pose is not None:  # authored world -> moved world
                box = transform_points(pose @ np.linalg.inv(scene.world_matrix(part.node)), box)
            corners.append(box)
        if corners:
            points = np.concatenate(corners)
            self.camera.frame(np.stack([points.min(axis=0), points.max(axis=0)]), self._aspect())
            self.update()

    def view_projection(self) -> tuple[np.ndarray, np.ndarray]:
        """(view, projection) of what is on screen, for the whole widget: the orbit
        camera's, or in desktop AR the camera backdrop's (see the module docstring)."""
        ar = self._backdrop_view_projection()
        if ar is not None:
            return ar
        return self.camera.view_matrix(), self.camera.projection_matrix(self._aspect())

    @property
    def backdrop_shown(self) -> bool:
        """A camera picture is behind the scene (desktop AR): navigation is suspended."""
        return self._state.camera_backdrop is not None

    def _backdrop_view_projection(self) -> tuple[np.ndarray, np.ndarray] | None:
        backdrop = self._state.camera_backdrop
        if backdrop is None or backdrop.view is None:
            return None
        ratio = self.devicePixelRatioF()  # the renderer's rectangle, in device pixels
        w, h = max(int(self.width() * ratio), 1), max(int(self.height() * ratio), 1)
        x, y, rw, rh = backdrop_rect((0, 0, w, h), backdrop.image.shape[1], backdrop.image.shape[0])
        # the picture's NDC square maps onto its letterbox rectangle (GL's, y from the
        # bottom) in the widget's NDC; applied to clip coordinates (before the divide by
        # w) that is one matrix
        fit = np.eye(4)
        fit[0, 0], fit[1, 1] = rw / w, rh / h
        fit[0, 3] = (2.0 * x + rw) / w - 1.0
        fit[1, 3] = (2.0 * y + rh) / h - 1.0
        return np.asarray(backdrop.view, dtype=np.float64), fit @ np.asarray(backdrop.projection, dtype=np.float64)

    def ray(self, x: float, y: float) -> tuple[np.ndarray, np.ndarray] | None:
        """World ray (origin, unit direction) through widget pixel (x right, y down) of
        what is on screen; None while a camera backdrop has no pose (nothing to hit)."""
        w, h = max(self.width(), 1), max(self.height(), 1)
        ar = self._backdrop_view_projection()
        if ar is None:
            if self.backdrop_shown:
                return None
            return self.camera.ray(x, y, w, h)
        view, proj = ar
        inverse = np.linalg.inv(proj @ view)
        ndc_x, ndc_y = 2.0 * x / w - 1.0, 1.0 - 2.0 * y / h
        near, far = (inverse @ np.array([ndc_x, ndc_y, z, 1.0]) for z in (-1.0, 1.0))
        near, far = near[:3] / near[3], far[:3] / far[3]
        eye = np.linalg.inv(view)[:3, 3]
        d = far - near
        return eye, d / np.linalg.norm(d)

    def pick(self, x: float, y: float) -> str | None:
        """Part id under widget pixel (x, y), or None."""
        if self._scene is None:
            return None
        if self._index is None:
            self._index = SceneIndex(self._scene)
        # moved parts are picked where they are drawn
        self._index.reset_poses()
        for part_id, world in self._state.part_poses.items():
            self._index.set_part_pose(part_id, world)
        ray = self.ray(x, y)
        if ray is None:
            return None
        hit = self._index.ray(*ray)
        return None if hit is None else hit.part

    def grab_rgba(self) -> np.ndarray:
        """The rendered picture as (h, w, 4) uint8 (device pixels)."""
        return image_to_array(self.grabFramebuffer())

    # -- GL ------------------------------------------------------------------------------
    def initializeGL(self) -> None:
        self.renderer.initialize()
        self.context().aboutToBeDestroyed.connect(self._release_gl)

    def _release_gl(self) -> None:
        self.makeCurrent()
        self.renderer.release()
        self.doneCurrent()

    def paintGL(self) -> None:
        start = time.perf_counter()
        ratio = self.devicePixelRatioF()
        w, h = int(self.width() * ratio), int(self.height() * ratio)
        view, proj = self.view_projection()
        try:
            self.renderer.draw(view, proj, (0, 0, w, h), self.defaultFramebufferObject(), self._frame_state())
        except GLError as err:
            # e.g. a model too big for the GPU: say so once and take the scene off the
            # view, rather than a traceback every frame
            translate = QCoreApplication.translate
            what = str(self._scene.source) if self._scene is not None else translate("Viewport", "the view")
            _log.error("drawing %s failed: %s", what, err)
            self.renderer.set_scene(None)
            self.renderFailed.emit(translate("Viewport", "{what}: OpenGL cannot draw this model ({error})").format(
                what=what, error=_gl_error_name(err)))
            return
        if self._state.labels:
            painter = QPainter(self)
            paint_labels(painter, self._state.labels, view, proj, self.width(), self.height())
            painter.end()
        self.frame_ms = (time.perf_counter() - start) * 1000.0
        self.frameTimeChanged.emit(self.frame_ms)

    def _frame_state(self) -> RenderState:
        if not self._selected:
            return self._state
        highlights = {p: Highlight.SELECTED for p in self._selected}
        highlights.update(self._state.highlights)
        return dataclasses.replace(self._state, highlights=highlights)

    def _aspect(self) -> float:
        return max(self.width(), 1) / max(self.height(), 1)

    # -- input ---------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        # Tab would move keyboard focus; here it toggles fly mode (or goes to the sink)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Tab:
            self.keyPressEvent(event)
            return True
        return super().event(event)

    def _ndc(self, pos: QPointF) -> tuple[float, float]:
        return 2.0 * pos.x() / max(self.width(), 1) - 1.0, 1.0 - 2.0 * pos.y() / max(self.height(), 1)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._sink is not None:
            name = _BUTTON_NAMES.get(event.button())
            if name:
                self._sink.on_mouse_button(name, True)
            return
        self._press = self._last = event.position()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._sink is not None:
            name = _BUTTON_NAMES.get(event.button())
            if name:
                self._sink.on_mouse_button(name, False)
            return
        press, self._press = self._press, None
        if press is None or event.button() != Qt.MouseButton.LeftButton:
            return
        moved = event.position() - press
        if abs(moved.x()) + abs(moved.y()) <= _CLICK_SLOP:
            part = self.pick(event.position().x(), event.position().y())
            self.set_selection((part,) if part else ())
            self.selectionChanged.emit(part)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._sink is not None:
            self._sink.on_mouse_move(*self._ndc(event.position()))
            return
        if self._last is None or self.backdrop_shown:  # AR: the real camera is the view
            return
        delta = event.position() - self._last
        self._last = event.position()
        buttons = event.buttons()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if buttons & Qt.MouseButton.MiddleButton or (buttons & Qt.MouseButton.LeftButton and shift):
            self.camera.pan(delta.x(), delta.y(), self.height())
        elif buttons & Qt.MouseButton.LeftButton:
            turn = self.camera.look if self._fly else self.camera.orbit
            turn(-delta.x() * _ORBIT_PER_PIXEL, -delta.y() * _ORBIT_PER_PIXEL)
        else:
            return
        self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120.0
        if self._sink is not None:
            self._sink.on_wheel(notches)
            return
        if self.backdrop_shown:
            return
        self.camera.zoom(notches)
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._sink is not None:
            if not event.isAutoRepeat():
                self._sink.on_key(_key_name(event), True)
            return
        key = event.key()
        if self.backdrop_shown and (key in (Qt.Key.Key_F, Qt.Key.Key_Home, Qt.Key.Key_Tab) or key in _FLY_KEYS):
            return  # AR: no framing, no flying; the orbit camera waits where it was
        if key == Qt.Key.Key_F:
            self.frame_selection()
        elif key == Qt.Key.Key_Home:
            self.frame_all()
        elif key == Qt.Key.Key_Tab:
            self.set_fly_mode(not self._fly)
        elif self._fly and key in _FLY_KEYS:
            self._fly_keys.add(key)
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if self._sink is not None:
            if not event.isAutoRepeat():
                self._sink.on_key(_key_name(event), False)
            return
        if not event.isAutoRepeat():
            self._fly_keys.discard(event.key())

    def focusOutEvent(self, event: QEvent) -> None:
        # key releases never arrive once focus is gone: forget held keys
        self._fly_keys.clear()
        if self._sink is not None:
            self._sink.release_all()
        super().focusOutEvent(event)

    # -- fly mode -------------------------------------------------------------------------
    @property
    def fly_mode(self) -> bool:
        return self._fly

    def set_fly_mode(self, on: bool) -> None:
        self._fly = on
        self._fly_keys.clear()
        if on:
            self._fly_clock = time.perf_counter()
            self._fly_timer.start()
        else:
            self._fly_timer.stop()
        self.flyModeChanged.emit(on)

    def _fly_step(self) -> None:
        now = time.perf_counter()
        dt, self._fly_clock = min(now - self._fly_clock, 0.1), now
        if not self._fly_keys or self.backdrop_shown:
            return
        move = np.sum([_FLY_KEYS[k] for k in self._fly_keys], axis=0)
        fast = QGuiApplication.queryKeyboardModifiers() & Qt.KeyboardModifier.ShiftModifier
        self.camera.fly(move, dt, 4.0 if fast else 1.0)
        self.update()


def _gl_error_name(err: GLError) -> str:
    """GL_OUT_OF_MEMORY, GL_INVALID_VALUE, ... (the GLU string when PyOpenGL has one)."""
    return err.description.decode(errors="replace") if isinstance(err.description, bytes) else f"GL error {err.err}"


def _key_name(event: QKeyEvent) -> str:
    """Lower-case portable Qt key name: "w", "tab", "space", "pgup", "esc", "left"."""
    return QKeySequence(event.key()).toString(QKeySequence.SequenceFormat.PortableText).lower()
