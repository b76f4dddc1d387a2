"""``OpenXRDevice``: a headset's head, controllers, hands and eyes as InputFrames.

``start`` creates instance, system and session (headless, or with the graphics binding a
caller supplies), the action sets, spaces and hand trackers, and pumps the lifecycle until
the session runs. ``poll(t)`` pumps runtime events, syncs actions while FOCUSED and fills
an InputFrame at the runtime's current time; a frame loop calls ``poll_at(t, xr_time)``
with the predicted display time instead, so input and rendering agree.

Per hand, a controller's trigger and squeeze give pinch and grab; without a controller,
tracked hand joints give them (``hand_tracking.pinch_and_grab``) and the palm gives the
grip pose. Any runtime failure (service gone, session lost) sets ``error`` to one sentence
and the session falls back to the desktop device; ``start`` never raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import xr

from devices.camera.hand_joints import aim_pose
from devices.openxr.actions import ControllerActions, attach_action_sets, sync_actions
from devices.openxr.gaze import EyeGaze
from devices.openxr.hand_tracking import HandTrackers, pinch_and_grab
from devices.openxr.lifecycle import (
    PROFILE_CHANGED,
    SPACE_CHANGE_PENDING,
    Lifecycle,
    SessionEvents,
    SessionState,
)
from devices.openxr.runtime import OpenXRError, XrRuntime, explain
from devices.openxr.spaces import Spaces
from interaction.frame import HandInput, InputFrame, Joint
from scenes.transforms import IDENTITY_POSE, pose_to_matrix

log = logging.getLogger(__name__)

#: builds the graphics binding once the instance exists (it may query graphics
#: requirements first); returns the binding structure for xrCreateSession's ``next``
BindingFactory = Callable[[XrRuntime], Any]

#: the default head, before the runtime reports one: standing eyes, looking along -Z
_STANDING_HEAD = np.array([0.0, 1.6, 0.0, 0.0, 0.0, 0.0, 1.0])


class OpenXRDevice:
    """An OpenXR headset as a Device (see module docstring).

    ``graphics_extensions`` and ``graphics_binding``: the extensions the OpenGL binding
    needs and the factory that builds it (empty and None: a headless, input-only session,
    which needs XR_MND_headless). The factory may raise RuntimeError with one sentence.
    ``start_timeout``: seconds ``start`` waits for the runtime to make the session READY
    (then it is begun; it reaches FOCUSED once the runtime, and a frame loop if any, get
    there).
    """

    name = "openxr"

    def __init__(
        self,
        graphics_extensions: Sequence[str] = (),
        graphics_binding: BindingFactory | None = None,
        start_timeout: float = 5.0,
    ) -> None:
        self.graphics_extensions = tuple(graphics_extensions)
        self.graphics_binding = graphics_binding
        self.start_timeout = start_timeout
        self.error: str | None = None
        self.runtime: XrRuntime | None = None
        self.session: xr.Session | None = None
        self.lifecycle = Lifecycle()
        self.events: SessionEvents | None = None
        self.spaces: Spaces | None = None
        #: metres the scene's floor sits above the real floor (see ``set_scene_lift``)
        self.scene_lift = 0.0
        self.controllers: ControllerActions | None = None
        self.gaze: EyeGaze | None = None
        self.hands: HandTrackers | None = None
        #: interaction profile per hand (None: no controller), refreshed on change
        self.profiles: list[str | None] = [None, None]
        self._why_not: str | None = None
        self._head = _STANDING_HEAD.copy()

    # -- availability -------------------------------------------------------------------
    @property
    def why_not(self) -> str:
        """Why no session can start here ("" when one can). Probes the runtime once."""
        if self._why_not is None:
            try:
                XrRuntime(self.graphics_extensions).close()
                self._why_not = ""
            except OpenXRError as err:
                self._why_not = str(err)
        return self._why_not

    @property
    def available(self) -> bool:
        return not self.why_not

    @property
    def state(self) -> SessionState:
        return self.lifecycle.state

    # -- start / stop -------------------------------------------------------------------
    def start(self) -> None:
        if self.runtime is not None:
            return
        self.error = None
        self.lifecycle = Lifecycle()
        try:
            self._open()
        except (RuntimeError, xr.exception.XrException) as err:
            # OpenXRError, the binding factory's errors, or a call the runtime refused
            self._fail(explain(err))

    def _open(self) -> None:
        rt = self.runtime = XrRuntime(self.graphics_extensions)
        self._why_not = ""
        binding = None if self.graphics_binding is None else self.graphics_binding(rt)
        # action sets must exist (and bindings be suggested) before they are attached
        self.controllers = ControllerActions(rt)
        self.gaze = EyeGaze(rt)
        session = self.session = rt.create_session(binding)
        sets = [self.controllers.action_set]
        if self.gaze.action_set is not None:
            sets.append(self.gaze.action_set)
        self._action_sets = sets
        attach_action_sets(session, sets)
        self.controllers.bind_session(session)
        self.gaze.bind_session(session)
        self.spaces = Spaces(session, rt.enabled, self.scene_lift)
        self._pose_spaces = [
            [self.controllers.pose_space(kind, hand) for hand in (0, 1)] for kind in ("aim", "grip")
        ]
        if rt.info.hand_tracking:
            self.hands = HandTrackers(rt, session)
        self.events = SessionEvents(rt.instance, session, self.lifecycle)
        # begun is enough: a session with graphics reaches SYNCHRONIZED only once its
        # frame loop runs, which the caller starts after this
        if not self.events.wait_until(lambda life: life.running, self.start_timeout):
            if self.lifecycle.lost:
                raise OpenXRError(self.lifecycle.lost)
            raise OpenXRError(
                f"the OpenXR session did not start within {self.start_timeout:g} s: "
                f"it stayed {self.lifecycle.state.name}"
            )

    def stop(self) -> None:
        """End the session cleanly (STOPPING -> EXITING) and free everything. Safe twice."""
        if self.runtime is None:
            return
        if self.events is not None and not self.lifecycle.over:
            try:
                self.events.request_exit()
            except xr.exception.XrException:
                pass  # the runtime is gone: teardown below frees what is left
        if self.hands is not None:
            self.hands.destroy()
        self.runtime.close()
        self.runtime = self.session = self.events = None
        self.spaces = self.controllers = self.gaze = self.hands = None

    def _fail(self, message: str) -> None:
        log.warning("OpenXR device failed: %s", message)
        self.error = message
        self.stop()

    # -- input --------------------------------------------------------------------------
    def pump_events(self) -> None:
        """Handle runtime events (state changes, profile changes). The frame loop calls
        this before deciding whether to run a frame; ``poll`` calls it too."""
        if self.events is None:
            return
        for kind in self.events.pump():
            if kind == PROFILE_CHANGED:
                self._refresh_profiles()
            elif kind == SPACE_CHANGE_PENDING:
                log.info("OpenXR reference space is changing (the user recentred)")
        if self.lifecycle.lost:
            self._fail(self.lifecycle.lost)

    def poll(self, t: float) -> InputFrame:
        """The user's state now (the runtime's current time)."""
        if self.runtime is None:
            return InputFrame(t=t, head=self._head.copy())
        try:
            xr_time = self.runtime.now()
        except OpenXRError as err:
            self._fail(str(err))
            return InputFrame(t=t, head=self._head.copy())
        return self.poll_at(t, xr_time)

    def poll_at(self, t: float, xr_time: int) -> InputFrame:
        """The user's state at XrTime ``xr_time`` (e.g. the predicted display time),
        stamped with session time ``t``."""
        try:
            self.pump_events()
            if self.runtime is None:
                return InputFrame(t=t, head=self._head.copy())
            return self._frame(t, xr_time)
        except xr.exception.XrException as err:
            self._fail(explain(err))
            return InputFrame(t=t, head=self._head.copy())

    def _frame(self, t: float, xr_time: int) -> InputFrame:
        assert self.spaces is not None and self.controllers is not None and self.gaze is not None
        spaces = self.spaces
        head = spaces.locate(spaces.view, xr_time)
        if head is not None:
            self._head = head
        if not self.lifecycle.has_focus:
            # input belongs to another application (or the runtime's menu)
            return InputFrame(t=t, head=self._head.copy())
        sync_actions(self.session, self._action_sets)
        if self.profiles == [None, None]:
            self._refresh_profiles()
        head_m = pose_to_matrix(self._head)
        return InputFrame(
            t=t,
            head=self._head.copy(),
            hands=(self._hand(0, xr_time, head_m), self._hand(1, xr_time, head_m)),
            gaze=self.gaze.read(spaces, xr_time),
        )

    def _hand(self, hand: int, xr_time: int, head_m: np.ndarray) -> HandInput:
        spaces, ctl = self.spaces, self.controllers
        aim = spaces.locate(self._pose_spaces[0][hand], xr_time)
        grip = spaces.locate(self._pose_spaces[1][hand], xr_time)
        state = ctl.read(hand)
        joints = None
        if self.hands is not None:
            joints = self.hands.locate(hand, spaces.base, xr_time)
        out = HandInput(joints=joints, buttons=state.buttons, thumbstick=state.thumbstick)
        if state.active:
            out.pinch, out.grab = state.select, state.squeeze
        elif joints is not None:
            out.pinch, out.grab = pinch_and_grab(joints)
        if grip is None and joints is not None:
            grip = joints[Joint.PALM, :7].astype(np.float64)
        if aim is None and joints is not None:
            aim = aim_pose(joints[:, :3].astype(np.float64), hand == 1, head_m)
        out.tracked = grip is not None or aim is not None
        out.grip = grip if grip is not None else (aim if aim is not None else IDENTITY_POSE.copy())
        out.aim = aim if aim is not None else out.grip.copy()
        return out

    def _refresh_profiles(self) -> None:
        if self.controllers is not None:
            self.profiles = [self.controllers.current_profile(h) for h in (0, 1)]

    # -- output and control ---------------------------------------------------------------
    def pulse(self, hand: int, strength: float = 0.5, duration: float = 0.05) -> None:
        """A haptic pulse (snap, error) on ``hand`` (0 left, 1 right); ignored when the
        session is not focused or the device has failed."""
        if self.controllers is None or not self.lifecycle.has_focus:
            return
        try:
            self.controllers.pulse(hand, strength, duration)
        except xr.exception.XrException as err:
            self._fail(explain(err))

    def set_scene_lift(self, lift: float) -> None:
        """Raise the scene ``lift`` metres above the real floor (a bench-sized task at
        workbench height); applies at once in a running session, else when it starts."""
        self.scene_lift = lift
        if self.spaces is not None:
            try:
                self.spaces.set_lift(lift)
            except xr.exception.XrException as err:
                self._fail(explain(err))

    def recentre(self) -> bool:
        """Put the scene origin under the user's head, facing where they look."""
        if self.spaces is None or self.runtime is None:
            return False
        return self.spaces.recentre(self.runtime.now())
