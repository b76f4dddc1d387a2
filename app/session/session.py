"""The session: the one place where device, engine, recorder and views meet.

Each tick: ``device.poll(t)`` -> the runner (interaction/runner.py: canonical frame ->
engine step -> recorder, the same steps a replay takes) -> Qt signals the views listen to.
Views never call the engine; UI actions (an inspection verdict, a reset) are queued with
``submit`` and applied with the next frame, so they are recorded with the frame they
happened on.

``tick(t)`` is the whole loop body and needs no event loop, so tests drive sessions
headlessly with chosen times. ``start()`` runs it at a steady ``rate_hz`` on a tick thread
of its own, so a slow paint (software OpenGL) cannot hold input back or make a trial record
fewer frames; the views are told on the GUI thread (``stepped``) at whatever rate they keep
up with, with every event since they were last told. One lock (``lock``) guards the engine
and the device: the tick holds it while it steps, and the GUI holds it while it reads them
(the views' update, input going into the desktop device, parameter and device changes). A
device that must be polled on the GUI thread (``ticks_on_gui_thread``: an OpenXR headset,
whose frame loop paces it) is ticked from a QTimer there instead. ``start()`` also starts
the warm-up thread (app/session/warmup.py) that builds the engine's first-use structures
before the first grab needs them; ``stop()`` joins both, an engine rebuild retargets the warm-up.

A device that fails (``device.error`` set, or an OS / runtime error from ``poll``) is
reported with ``message`` and replaced by the desktop device, placed where the user's head
was; the engine and the recording carry on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.session.warmup import WarmUp
from devices.base import Device
from devices.desktop import DesktopDevice
from interaction.events import Event
from interaction.frame import InputFrame
from interaction.params import InteractionParams
from interaction.runner import FrameRecorder, Runner
from scenes.transforms import pose_to_matrix

log = logging.getLogger(__name__)


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
    """Runs one scenario with one device at a fixed rate (see module docstring)."""

    #: (engine state, events of this step) after every tick
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
        if engine is None:
            from interaction.engine import Engine

            engine = Engine(scene, scenario, params, index=index)
        self.scene = scene
        self.scenario = scenario
        self.params = params
        self.runner = Runner(engine, recorder)
        self.device: Device = device
        self.rate_hz = rate_hz
        self._pending: list[Any] = []
        #: makes the desktop device that replaces a failed one (the app sizes it to the scene)
        self.fallback_factory: Callable[[], DesktopDevice] = DesktopDevice
        #: guards engine and device between the tick thread and the GUI thread (reentrant:
        #: a view's update may submit a command)
        self.lock = threading.RLock()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, round(1000.0 / rate_hz)))
        self._timer.timeout.connect(self._on_timer)
        self._thread: threading.Thread | None = None
        self._halt = threading.Event()
        #: events the tick thread produced that the views have not been told of yet
        self._unseen: list[Event] = []
        self._told = True
        self._telling = False
        self._ready.connect(self._tell_views, Qt.ConnectionType.QueuedConnection)
        self._t0: float | None = None
        self._last_t = -1.0
        #: builds the engine's first-use structures in the background while the session runs
        self.warm_up = WarmUp(engine)

    @property
    def engine(self) -> Any:
        """The engine now running (a tolerance change or scenario reload replaces it)."""
        return self.runner.engine

    @property
    def recorder(self) -> FrameRecorder | None:
        return self.runner.recorder

    @recorder.setter
    def recorder(self, recorder: FrameRecorder | None) -> None:
        self.runner.recorder = recorder

    @property
    def frame_count(self) -> int:
        return self.runner.frame_count

    @property
    def last_frame(self) -> InputFrame | None:
        return self.runner.last_frame

    # -- inputs from the UI -----------------------------------------------------------
    def submit(self, command: Any) -> None:
        """Queue a UI command (interaction.commands) for the next engine step."""
        with self.lock:
            self._pending.append(command)

    def set_params(self, params: InteractionParams) -> None:
        """Change the interaction parameters live (the parameters dock).

        Most parameters are read by the engine every step and apply at once; the snap and
        collision tolerances are baked into its targets and collision world when it is
        built, so changing those restarts the task (said so with ``message``).
        """
        with self.lock:
            self.params = params
            rebuilt = self.runner.set_params(params)  # recorded: a re-run applies it before the same frame
            if rebuilt:
                self._engine_replaced()
        if rebuilt:
            self.message.emit("snap or collision tolerance changed: task restarted")
        self.params_changed.emit(params)

    def reload_scenario(self, scenario: Any) -> None:
        """Restart the task on an edited scenario (new points, steps, targets)."""
        with self.lock:
            self.scenario = scenario
            self.runner.rebuild(scenario)
            self._engine_replaced()

    def _engine_replaced(self) -> None:
        self._pending.clear()
        self.warm_up.retarget(self.engine)

    def set_device(self, device: Device) -> None:
        """Switch the input device; the old one is stopped."""
        if device is self.device:
            return
        if self._telling:  # inside a view's update, holding the lock the tick thread waits on
            QTimer.singleShot(0, lambda: self.set_device(device))
            return
        running = self.running
        if running:
            self._stop_ticking()
        with self.lock:
            self.device.stop()
            self.device = device
            device.start()
        if running:
            self._start_ticking()
        self.device_changed.emit(device.name)

    # -- the loop ---------------------------------------------------------------------
    def start(self) -> None:
        self.device.start()
        self._t0 = time.monotonic()
        self._start_ticking()
        self.warm_up.start()

    def stop(self) -> None:
        self.warm_up.stop()
        self._stop_ticking()
        self.device.stop()
        if self.recorder is not None:
            self.recorder.close()

    @property
    def running(self) -> bool:
        return self._timer.isActive() or self._thread is not None

    @property
    def threaded(self) -> bool:
        """Whether the engine steps on the tick thread now (else on the GUI thread's timer)."""
        return self._thread is not None

    def _start_ticking(self) -> None:
        if getattr(self.device, "ticks_on_gui_thread", False):
            self._timer.start()
            return
        self._halt.clear()
        self._thread = threading.Thread(target=self._tick_loop, name="session-tick", daemon=True)
        self._thread.start()

    def _stop_ticking(self) -> None:
        self._timer.stop()
        if self._thread is not None:
            self._halt.set()
            self._thread.join()
            self._thread = None

    def _on_timer(self) -> None:
        assert self._t0 is not None
        t = time.monotonic() - self._t0
        if t > self._last_t:
            self.tick(t)

    def _tick_loop(self) -> None:
        """The steady tick: one step every period, on time; after a stall (a long GUI hold
        of the lock, a rebuild) it goes on from now rather than stepping a burst to catch up."""
        assert self._t0 is not None
        period = 1.0 / self.rate_hz
        due = time.monotonic()
        while not self._halt.wait(max(0.0, due - time.monotonic())):
            now = time.monotonic()
            with self.lock:
                try:
                    self._unseen += self._step(now - self._t0)
                except Exception:  # a bug must not stop the session silently: say it, go on
                    log.exception("session tick at t=%.3f s failed", now - self._t0)
                tell, self._told = self._told, False
            if tell:
                self._ready.emit()
            due = max(due + period, time.monotonic() - period)

    def _tell_views(self) -> None:
        """On the GUI thread: the views see the newest state and every event since last time."""
        with self.lock:
            events, self._unseen, self._told = self._unseen, [], True
            self._telling = True
            try:
                self.stepped.emit(self.engine.state, events)
            finally:
                self._telling = False

    def tick(self, t: float) -> list[Event]:
        """Advance the session to time ``t`` (seconds): one device poll and one engine step,
        and the views told at once."""
        with self.lock:
            events = self._step(t)
            self.stepped.emit(self.engine.state, events)
        return events

    def _step(self, t: float) -> list[Event]:
        self._last_t = t
        frame = self._poll(t)
        commands, self._pending = self._pending, []
        had_error = self.recorder.error if self.recorder is not None else None
        events = self.runner.step(frame, commands)
        if self.recorder is not None and self.recorder.error and not had_error:
            self.message.emit(f"recording stopped: {self.recorder.error}")
        return events

    def _poll(self, t: float) -> InputFrame:
        try:
            frame = self.device.poll(t)
        except (OSError, RuntimeError) as err:
            # hardware and XR runtimes fail this way (camera unplugged, session lost)
            self.device.error = self.device.error or f"{type(err).__name__}: {err}"
            frame = None
        if self.device.error:
            self._fall_back()
            frame = self.device.poll(t)
        assert frame is not None
        return frame

    def _fall_back(self) -> None:
        failed = self.device
        reason = failed.error
        log.warning("device %s failed: %s", failed.name, reason)
        desktop = self.fallback_factory()
        if self.last_frame is not None:
            desktop.set_head(pose_to_matrix(self.last_frame.head))
        failed.stop()
        self.device = desktop
        desktop.start()
        if self._timer.isActive() and not getattr(desktop, "ticks_on_gui_thread", False):
            self._timer.stop()  # a headset paced the session; the desktop device has a steady tick
            self._start_ticking()
        self.message.emit(f"{failed.name} device failed ({reason}); switched to the desktop device")
        self.device_changed.emit(desktop.name)
