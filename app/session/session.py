"""The window's session: app/session/live.py's LiveSession (device, engine, recorder at a
steady rate, no Qt) told to the views through Qt signals on the GUI thread.

``stepped(state, events)`` comes on the GUI thread at whatever rate the views keep up with,
with every event since they were last told; ``message``, ``device_changed`` and
``params_changed`` follow the live session's callbacks. A device that must be polled on the
GUI thread (``ticks_on_gui_thread``: an OpenXR headset, whose frame loop paces it) is ticked
from a QTimer here. ``tick(t)`` steps once and tells the views at once, so tests drive the
window's session headlessly with chosen times.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.session.live import LiveSession
from devices.base import Device
from devices.desktop import DesktopDevice
from interaction.events import Event
from interaction.params import InteractionParams
from interaction.runner import FrameRecorder


class LockedInput:
    """The viewport's raw input into a device, each call under the session's lock: the tick
    thread polls the same device (views.viewport.InputSink)."""

    def __init__(self, device: Any, lock: threading.RLock) -> None:
        self.device, self._lock = device, lock

    def on_key(self, key: str, pressed: bool) -> None:
        with self._lock:
            self.device.on_key(key, pressed)

    def on_mouse_button(self, button: str, pressed: bool) -> None:
        with self._lock:
            self.device.on_mouse_button(button, pressed)

    def on_mouse_move(self, ndc_x: float, ndc_y: float) -> None:
        with self._lock:
            self.device.on_mouse_move(ndc_x, ndc_y)

    def on_wheel(self, notches: float) -> None:
        with self._lock:
            self.device.on_wheel(notches)

    def release_all(self) -> None:
        with self._lock:
            self.device.release_all()


class Session(QObject):
    """A LiveSession for the window (see module docstring); ``live`` is the session itself."""

    #: (engine state, events since the views were last told), on the GUI thread
    stepped = Signal(object, list)
    #: one line for the status bar (device fell back, recorder failed, ...)
    message = Signal(str)
    #: the active device's name after a switch
    device_changed = Signal(str)
    #: the parameters after ``set_params``
    params_changed = Signal(object)
    #: the tick thread stepped while the views were up to date (queued to the GUI thread)
    _ready = Signal()

    def __init__(
        self,
        scene: Any,
        scenario: Any,
        params: InteractionParams,
        device: Device,
        index: Any = None,
        *,
        engine: Any = None,
        rate_hz: float = 90.0,
        recorder: FrameRecorder | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.live = live = LiveSession(
            scene, scenario, params, device, index, engine=engine, rate_hz=rate_hz, recorder=recorder
        )
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, round(1000.0 / rate_hz)))
        self._timer.timeout.connect(self._on_timer)
        self._telling = False
        self._ready.connect(self._tell_views, Qt.ConnectionType.QueuedConnection)
        live.ticked.connect(self._ready.emit)
        live.message.connect(self.message.emit)
        live.device_changed.connect(self.device_changed.emit)
        live.params_changed.connect(self.params_changed.emit)
        live.pacing.connect(lambda on: self._timer.start() if on else self._timer.stop())

    # -- the live session's state, as the window reads it ------------------------------------
    scene = property(lambda self: self.live.scene)
    scenario = property(lambda self: self.live.scenario)
    params = property(lambda self: self.live.params)
    runner = property(lambda self: self.live.runner)
    engine = property(lambda self: self.live.engine)
    lock = property(lambda self: self.live.lock)
    warm_up = property(lambda self: self.live.warm_up)
    rate_hz = property(lambda self: self.live.rate_hz)
    frame_count = property(lambda self: self.live.frame_count)
    last_frame = property(lambda self: self.live.last_frame)
    running = property(lambda self: self.live.running)
    threaded = property(lambda self: self.live.threaded)

    @property
    def device(self) -> Device:
        return self.live.device

    @device.setter
    def device(self, device: Device) -> None:
        """Put a device in place without stopping the old one (tests, benchmarks)."""
        self.live.device = device

    @property
    def recorder(self) -> FrameRecorder | None:
        return self.live.recorder

    @recorder.setter
    def recorder(self, recorder: FrameRecorder | None) -> None:
        self.live.recorder = recorder

    @property
    def fallback_factory(self) -> Callable[[], DesktopDevice]:
        return self.live.fallback_factory

    @fallback_factory.setter
    def fallback_factory(self, factory: Callable[[], DesktopDevice]) -> None:
        self.live.fallback_factory = factory

    # -- actions ------------------------------------------------------------------------------
    def submit(self, command: Any) -> None:
        """Queue a UI command (interaction.commands) for the next engine step."""
        self.live.submit(command)

    def set_params(self, params: InteractionParams) -> None:
        self.live.set_params(params)

    def reload_scenario(self, scenario: Any) -> None:
        self.live.reload_scenario(scenario)

    def set_device(self, device: Device) -> None:
        """Switch the input device; the old one is stopped."""
        if self._telling:  # inside a view's update, holding the lock the tick thread waits on
            QTimer.singleShot(0, lambda: self.set_device(device))
            return
        self.live.set_device(device)

    def start(self) -> None:
        self.live.start()

    def stop(self) -> None:
        self.live.stop()

    def tick(self, t: float) -> list[Event]:
        """Advance the session to time ``t`` (seconds) and tell the views at once."""
        with self.live.lock:
            events = self.live.tick(t)
            self.stepped.emit(self.live.engine.state, events)
        return events

    # -- the views ----------------------------------------------------------------------------
    def _on_timer(self) -> None:
        t = self.live.clock()
        if self.live.due(t):
            self.tick(t)

    def _tell_views(self) -> None:
        """On the GUI thread: the views see the newest state and every event since last time."""
        with self.live.lock:
            state, events = self.live.take_unseen()
            self._telling = True
            try:
                self.stepped.emit(state, events)
            finally:
                self._telling = False
