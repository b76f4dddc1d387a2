"""A live session without Qt: the one place where device, engine and recorder meet.

Each step: ``device.poll(t)`` -> the runner (interaction/runner.py: canonical frame ->
engine step -> recorder, the same steps a replay takes). UI actions (an inspection verdict,
a reset, a voice command) are queued with ``submit`` and applied with the next frame, so
they are recorded with the frame they happened on.

``tick(t)`` is the whole loop body and needs no clock, so tests and tools drive a session
with chosen times. ``start()`` steps it at a steady ``rate_hz`` on a tick thread of its
own; a device that must be polled by someone else's loop (``ticks_on_gui_thread``: an
OpenXR headset, whose frame loop paces it) is paced from outside instead: ``pacing(True)``
asks the owner to call ``tick`` (the window does, from a timer on its GUI thread). One
lock (``lock``) guards the engine and the device between the stepping thread and readers.

After a threaded step, ``ticked()`` is called on the tick thread when a reader has taken
what came before (``take_unseen``: the newest state and every event since), so a slow
reader, the window painting on software OpenGL, is told once however many steps it missed.

A device that fails (``device.error`` set, or an OS / runtime error from ``poll``) is
reported with ``message`` and replaced by the desktop device, placed where the user's head
was; the engine and the recording carry on.

The window wraps this in a QObject (app/session/session.py) that turns these callbacks into
Qt signals; a headless participant, a server or a test uses it as it is.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from app.session.warmup import WarmUp
from devices.base import Device
from devices.desktop import DesktopDevice
from interaction.events import Event
from interaction.frame import InputFrame
from interaction.params import InteractionParams
from interaction.runner import FrameRecorder, Runner
from scenes.transforms import pose_to_matrix
from scenes.undo import Listeners

log = logging.getLogger(__name__)


class LiveSession:
    """Runs one scenario with one device at a fixed rate (see module docstring).

    Callbacks (``connect``): ``message(text)``, ``device_changed(name)``,
    ``params_changed(params)``, ``ticked()`` (tick thread, see module docstring),
    ``pacing(on)`` (an outside loop must call ``tick`` while on) and ``frame_stepped(frame)``
    (the stepping thread, after each step).
    """

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
    ) -> None:
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
        #: guards engine and device between the stepping thread and readers (reentrant: a
        #: reader told of a step may submit a command)
        self.lock = threading.RLock()
        self.message = Listeners()
        self.device_changed = Listeners()
        self.params_changed = Listeners()
        self.ticked = Listeners()
        self.pacing = Listeners()
        #: every stepped frame, as the engine saw it (quantised), on the stepping thread:
        #: what a shared session shows the others of this participant
        self.frame_stepped = Listeners()
        #: the task started again from its beginning on a new engine (a trial, an edit)
        self.task_restarted = Listeners()
        self._thread: threading.Thread | None = None
        self._paced = False
        self._halt = threading.Event()
        #: events stepped on the tick thread that no reader has taken yet
        self._unseen: list[Event] = []
        self._taken = True
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

    # -- inputs ---------------------------------------------------------------------------
    def submit(self, command: Any) -> None:
        """Queue a UI command (interaction.commands) for the next engine step."""
        with self.lock:
            self._pending.append(command)

    def set_params(self, params: InteractionParams) -> None:
        """Change the interaction parameters live.

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
        self.task_restarted.emit()

    def set_device(self, device: Device) -> None:
        """Switch the input device; the old one is stopped. Not from inside a ``ticked``
        reader that holds the lock (the tick thread would be joined while it waits)."""
        if device is self.device:
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

    # -- the loop -------------------------------------------------------------------------
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
        return self._paced or self._thread is not None

    @property
    def threaded(self) -> bool:
        """Whether the engine steps on the tick thread now (else an outside loop paces it)."""
        return self._thread is not None

    def clock(self) -> float:
        """Seconds since ``start`` (what an outside loop passes to ``tick``)."""
        assert self._t0 is not None
        return time.monotonic() - self._t0

    def due(self, t: float) -> bool:
        """Whether a paced tick at ``t`` is new (an outside timer may fire twice at once)."""
        return t > self._last_t

    def _start_ticking(self) -> None:
        if getattr(self.device, "ticks_on_gui_thread", False):
            self._paced = True
            self.pacing.emit(True)
            return
        self._halt.clear()
        self._thread = threading.Thread(target=self._tick_loop, name="session-tick", daemon=True)
        self._thread.start()

    def _stop_ticking(self) -> None:
        if self._paced:
            self._paced = False
            self.pacing.emit(False)
        if self._thread is not None:
            self._halt.set()
            self._thread.join()
            self._thread = None

    def _tick_loop(self) -> None:
        """The steady tick: one step every period, on time; after a stall (a long hold of
        the lock, a rebuild) it goes on from now rather than stepping a burst to catch up."""
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
                tell, self._taken = self._taken, False
            if tell:
                self.ticked.emit()
            due = max(due + period, time.monotonic() - period)

    def take_unseen(self) -> tuple[Any, list[Event]]:
        """The newest engine state and every event stepped on the tick thread since the
        last call; call with ``lock`` held to read the state consistently."""
        with self.lock:
            events, self._unseen, self._taken = self._unseen, [], True
            return self.engine.state, events

    def tick(self, t: float) -> list[Event]:
        """Advance the session to time ``t`` (seconds): one device poll and one engine step."""
        with self.lock:
            return self._step(t)

    def _step(self, t: float) -> list[Event]:
        self._last_t = t
        frame = self._poll(t)
        commands, self._pending = self._pending, []
        had_error = self.recorder.error if self.recorder is not None else None
        events = self.runner.step(frame, commands)
        self.frame_stepped.emit(self.runner.last_frame)
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
        if self._paced and not getattr(desktop, "ticks_on_gui_thread", False):
            # a headset paced the session from outside; the desktop device has a steady tick
            self._paced = False
            self.pacing.emit(False)
            self._start_ticking()
        self.message.emit(f"{failed.name} device failed ({reason}); switched to the desktop device")
        self.device_changed.emit(desktop.name)
