"""The OpenXR session lifecycle: IDLE -> READY -> SYNCHRONIZED -> VISIBLE -> FOCUSED and back,
STOPPING, LOSS_PENDING, EXITING, and instance loss, as the OpenXR specification defines it.

Two halves, so the rules are testable without a runtime:

* ``Lifecycle`` (pure): fed the states the runtime reports, it says what the application
  must do next (``Step``: begin the session at READY, end it at STOPPING, destroy it at
  EXITING / LOSS_PENDING / instance loss) and keeps the current state and a timed history
  of transitions for the desktop to show.
* ``SessionEvents`` (runtime-bound): drains ``xrPollEvent``, feeds ``Lifecycle``, calls
  ``xrBeginSession`` / ``xrEndSession`` when told, and hands other events (interaction
  profile changed, reference space change pending) back to the caller.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, IntEnum

import xr

#: what the user is told when the runtime goes away, however it was noticed (a state
#: change, an instance-loss event, or a call failing with XR_ERROR_SESSION/INSTANCE_LOST)
SESSION_LOST = "the OpenXR session was lost: the headset was unplugged or the runtime stopped"


class SessionState(IntEnum):
    """XrSessionState, by the same numbers."""

    UNKNOWN = 0
    IDLE = 1
    READY = 2
    SYNCHRONIZED = 3
    VISIBLE = 4
    FOCUSED = 5
    STOPPING = 6
    LOSS_PENDING = 7
    EXITING = 8


class Step(Enum):
    """What the application must do after a state change."""

    NONE = "none"
    BEGIN = "begin"  # call xrBeginSession
    END = "end"  # call xrEndSession
    DESTROY = "destroy"  # destroy the session (and, after a loss, the instance)


@dataclass(frozen=True)
class Transition:
    state: SessionState
    #: seconds since the lifecycle started
    at: float


class Lifecycle:
    """The session state machine (see module docstring). ``clock``: seconds, monotonic."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._t0 = clock()
        self.state = SessionState.IDLE
        self.history: list[Transition] = [Transition(SessionState.IDLE, 0.0)]
        #: between xrBeginSession and xrEndSession
        self.running = False
        #: the session is over (exited or lost); nothing more may be called on it
        self.over = False
        #: one sentence when the session was lost (not a clean exit); None otherwise
        self.lost: str | None = None

    # -- inputs ---------------------------------------------------------------------
    def on_state(self, state: SessionState) -> Step:
        """The runtime reported ``state``; returns what to do."""
        if self.over:
            return Step.NONE
        state = SessionState(state)
        if state != self.state:
            self.state = state
            self.history.append(Transition(state, self._clock() - self._t0))
        if state == SessionState.READY and not self.running:
            return Step.BEGIN
        if state == SessionState.STOPPING and self.running:
            return Step.END
        if state == SessionState.EXITING:
            self.over = True
            return Step.DESTROY
        if state == SessionState.LOSS_PENDING:
            return self._lose(SESSION_LOST)
        return Step.NONE

    def on_instance_loss(self) -> Step:
        """The runtime is going away (XrEventDataInstanceLossPending or XR_ERROR_INSTANCE_LOST)."""
        if self.over:
            return Step.NONE
        return self._lose(SESSION_LOST)

    def began(self) -> None:
        self.running = True

    def ended(self) -> None:
        self.running = False

    def _lose(self, reason: str) -> Step:
        self.over = True
        self.running = False
        self.lost = reason
        return Step.DESTROY

    # -- what the state allows --------------------------------------------------------
    @property
    def should_render(self) -> bool:
        """Frames are shown (VISIBLE or FOCUSED)."""
        return self.running and self.state in (SessionState.VISIBLE, SessionState.FOCUSED)

    @property
    def has_focus(self) -> bool:
        """Input reaches the application only when FOCUSED."""
        return self.running and self.state == SessionState.FOCUSED

    @property
    def frame_loop_allowed(self) -> bool:
        """xrWaitFrame / xrBeginFrame / xrEndFrame may run (the session is running)."""
        return self.running and not self.over

    def states_reached(self) -> list[str]:
        return [t.state.name for t in self.history]


#: the event types handed back to the caller by ``SessionEvents.pump``
PROFILE_CHANGED = xr.StructureType.EVENT_DATA_INTERACTION_PROFILE_CHANGED
SPACE_CHANGE_PENDING = xr.StructureType.EVENT_DATA_REFERENCE_SPACE_CHANGE_PENDING


class SessionEvents:
    """Runs ``Lifecycle`` against a real session (see module docstring)."""

    def __init__(
        self,
        instance: xr.Instance,
        session: xr.Session,
        lifecycle: Lifecycle | None = None,
        view_configuration: xr.ViewConfigurationType = xr.ViewConfigurationType.PRIMARY_STEREO,
    ) -> None:
        self.instance = instance
        self.session = session
        self.lifecycle = lifecycle or Lifecycle()
        self.view_configuration = view_configuration

    def pump(self) -> list[xr.StructureType]:
        """Drain the event queue, acting on state changes. Returns the other event types
        seen (PROFILE_CHANGED, SPACE_CHANGE_PENDING, ...), in order."""
        others: list[xr.StructureType] = []
        while not self.lifecycle.over:
            try:
                event = xr.poll_event(self.instance)
            except xr.EventUnavailable:
                break
            except (xr.exception.InstanceLostError, xr.exception.RuntimeFailureError):
                self.lifecycle.on_instance_loss()
                break
            kind = xr.StructureType(event.type)
            if kind == xr.StructureType.EVENT_DATA_SESSION_STATE_CHANGED:
                changed = ctypes.cast(
                    ctypes.byref(event), ctypes.POINTER(xr.EventDataSessionStateChanged)
                ).contents
                self._act(self.lifecycle.on_state(SessionState(changed.state)))
            elif kind == xr.StructureType.EVENT_DATA_INSTANCE_LOSS_PENDING:
                self.lifecycle.on_instance_loss()
            else:
                others.append(kind)
        return others

    def _act(self, step: Step) -> None:
        if step == Step.BEGIN:
            xr.begin_session(
                self.session,
                xr.SessionBeginInfo(primary_view_configuration_type=self.view_configuration),
            )
            self.lifecycle.began()
        elif step == Step.END:
            xr.end_session(self.session)
            self.lifecycle.ended()

    def wait_until(
        self, done: Callable[[Lifecycle], bool], timeout: float, sleep: float = 0.005
    ) -> bool:
        """Pump until ``done(lifecycle)`` (True) or the session is over or ``timeout``
        seconds pass (False). For start-up and shutdown; the device pumps once per poll."""
        deadline = time.monotonic() + timeout
        while True:
            self.pump()
            if done(self.lifecycle):
                return True
            if self.lifecycle.over or time.monotonic() >= deadline:
                return False
            time.sleep(sleep)

    def request_exit(self, timeout: float = 2.0) -> None:
        """Ask the runtime to end the session and walk STOPPING -> IDLE -> EXITING.
        Returns when the session is over or after ``timeout`` seconds."""
        if self.lifecycle.running and not self.lifecycle.over:
            try:
                xr.request_exit_session(self.session)
            except xr.exception.XrException:
                self.lifecycle.over = True
                return
            self.wait_until(lambda life: life.state == SessionState.EXITING, timeout)
