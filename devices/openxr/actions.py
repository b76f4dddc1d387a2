"""Controller input: one action set, suggested bindings for the common controllers, haptics.

The actions are what the interaction engine needs from any controller: aim and grip poses,
select (trigger; pinch on hands), squeeze (grab), thumbstick, menu, the two face buttons,
thumbstick click, and a haptic output. ``suggested_bindings`` (pure) maps them to each
interaction profile's input paths; a profile is suggested only when the runtime enabled
the extension it needs. ``ControllerActions`` creates them on a runtime, reads them each
frame, reports the profile in use per hand, and pulses the haptics.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

import numpy as np
import xr

from interaction.frame import Button

HANDS = ("left", "right")

#: action name -> (action type, localized name)
ACTIONS: dict[str, tuple[xr.ActionType, str]] = {
    "aim": (xr.ActionType.POSE_INPUT, "Aim pose"),
    "grip": (xr.ActionType.POSE_INPUT, "Grip pose"),
    "select": (xr.ActionType.FLOAT_INPUT, "Select (trigger)"),
    "squeeze": (xr.ActionType.FLOAT_INPUT, "Grab (squeeze)"),
    "thumbstick": (xr.ActionType.VECTOR2F_INPUT, "Thumbstick"),
    "menu": (xr.ActionType.BOOLEAN_INPUT, "Menu"),
    "primary": (xr.ActionType.BOOLEAN_INPUT, "Primary button"),
    "secondary": (xr.ActionType.BOOLEAN_INPUT, "Secondary button"),
    "thumbstick_click": (xr.ActionType.BOOLEAN_INPUT, "Thumbstick click"),
    "haptic": (xr.ActionType.VIBRATION_OUTPUT, "Haptic pulse"),
}
BOOLEAN_BUTTONS = {
    "menu": Button.MENU,
    "primary": Button.PRIMARY,
    "secondary": Button.SECONDARY,
    "thumbstick_click": Button.THUMBSTICK_CLICK,
}

_POSES = {"aim": "/input/aim/pose", "grip": "/input/grip/pose"}
_STICK = {"thumbstick": "/input/thumbstick", "thumbstick_click": "/input/thumbstick/click"}
_HAPTIC = {"haptic": "/output/haptic"}
_FACE = {
    "primary": ("/input/x/click", "/input/a/click"),
    "secondary": ("/input/y/click", "/input/b/click"),
}

#: profile -> action -> input path (same on both hands) or (left path, right path);
#: a None side means the action is not bound on that hand
PROFILES: dict[str, dict[str, str | tuple[str | None, str | None]]] = {
    "/interaction_profiles/khr/simple_controller": {
        **_POSES,
        "select": "/input/select/click",
        "menu": "/input/menu/click",
        **_HAPTIC,
    },
    "/interaction_profiles/oculus/touch_controller": {
        **_POSES,
        "select": "/input/trigger/value",
        "squeeze": "/input/squeeze/value",
        **_STICK,
        "menu": ("/input/menu/click", None),  # the right hand's system button is the runtime's
        **_FACE,
        **_HAPTIC,
    },
    "/interaction_profiles/valve/index_controller": {
        **_POSES,
        "select": "/input/trigger/value",
        "squeeze": "/input/squeeze/value",
        **_STICK,
        "primary": "/input/a/click",
        "secondary": "/input/b/click",
        **_HAPTIC,
    },
    "/interaction_profiles/htc/vive_controller": {
        **_POSES,
        "select": "/input/trigger/value",
        "squeeze": "/input/squeeze/click",
        "thumbstick": "/input/trackpad",
        "thumbstick_click": "/input/trackpad/click",
        "menu": "/input/menu/click",
        **_HAPTIC,
    },
    "/interaction_profiles/microsoft/motion_controller": {
        **_POSES,
        "select": "/input/trigger/value",
        "squeeze": "/input/squeeze/click",
        **_STICK,
        "menu": "/input/menu/click",
        **_HAPTIC,
    },
    "/interaction_profiles/hp/mixed_reality_controller": {
        **_POSES,
        "select": "/input/trigger/value",
        "squeeze": "/input/squeeze/value",
        **_STICK,
        "menu": "/input/menu/click",
        **_FACE,
        **_HAPTIC,
    },
    "/interaction_profiles/ext/hand_interaction_ext": {
        **_POSES,
        "select": "/input/pinch_ext/value",
        "squeeze": "/input/grasp_ext/value",
    },
}
#: profiles that exist only with an extension enabled
PROFILE_EXTENSIONS = {
    "/interaction_profiles/hp/mixed_reality_controller": "XR_EXT_hp_mixed_reality_controller",
    "/interaction_profiles/ext/hand_interaction_ext": "XR_EXT_hand_interaction",
}


def suggested_bindings(
    enabled_extensions: list[str] | set[str] | tuple[str, ...],
) -> dict[str, list[tuple[str, str]]]:
    """profile -> [(action name, full input path)] for every profile usable with
    ``enabled_extensions``. Pure: what the runtime is told, testable without one."""
    enabled = set(enabled_extensions)
    out: dict[str, list[tuple[str, str]]] = {}
    for profile, table in PROFILES.items():
        needs = PROFILE_EXTENSIONS.get(profile)
        if needs is not None and needs not in enabled:
            continue
        pairs = []
        for action, paths in table.items():
            sides = (paths, paths) if isinstance(paths, str) else paths
            for hand, path in zip(HANDS, sides, strict=True):
                if path is not None:
                    pairs.append((action, f"/user/hand/{hand}{path}"))
        out[profile] = pairs
    return out


@dataclass
class ControllerState:
    """One hand's controller this frame (poses are read through spaces, not here)."""

    select: float = 0.0
    squeeze: float = 0.0
    thumbstick: np.ndarray = field(default_factory=lambda: np.zeros(2))
    buttons: Button = Button.NONE
    #: whether any action on this hand is bound to an active input source
    active: bool = False


def attach_action_sets(session: xr.Session, action_sets: list[xr.ActionSet]) -> None:
    """Attach every action set at once (OpenXR allows one attach per session)."""
    sets = (xr.ActionSet * len(action_sets))(*action_sets)
    xr.attach_session_action_sets(
        session,
        xr.SessionActionSetsAttachInfo(count_action_sets=len(action_sets), action_sets=sets),
    )


def sync_actions(session: xr.Session, action_sets: list[xr.ActionSet]) -> None:
    """xrSyncActions for ``action_sets``; input is live only while the session is FOCUSED."""
    active = (xr.ActiveActionSet * len(action_sets))(
        *(xr.ActiveActionSet(s, xr.NULL_PATH) for s in action_sets)
    )
    xr.sync_actions(
        session,
        xr.ActionsSyncInfo(count_active_action_sets=len(action_sets), active_action_sets=active),
    )


class ControllerActions:
    """The action set on a live session (see module docstring).

    ``runtime``: an ``XrRuntime``. Create before ``attach_action_sets``, which OpenXR
    allows once per session; then ``bind_session``.
    """

    def __init__(self, runtime: object, name: str = "xrjig", priority: int = 0) -> None:
        self.runtime = runtime
        inst = runtime.instance
        self.hand_paths = [runtime.path(f"/user/hand/{h}") for h in HANDS]
        subpaths = (xr.Path * 2)(*self.hand_paths)
        self.action_set = xr.create_action_set(
            inst,
            xr.ActionSetCreateInfo(
                action_set_name=name, localized_action_set_name=name, priority=priority
            ),
        )
        self.actions: dict[str, xr.Action] = {}
        for action_name, (kind, label) in ACTIONS.items():
            self.actions[action_name] = xr.create_action(
                self.action_set,
                xr.ActionCreateInfo(
                    action_type=kind,
                    action_name=action_name,
                    localized_action_name=label,
                    count_subaction_paths=2,
                    subaction_paths=subpaths,
                ),
            )
        self.suggested: list[str] = []
        self.rejected: dict[str, str] = {}
        for profile, pairs in suggested_bindings(runtime.enabled).items():
            bindings = (xr.ActionSuggestedBinding * len(pairs))(
                *(xr.ActionSuggestedBinding(self.actions[a], runtime.path(p)) for a, p in pairs)
            )
            try:
                xr.suggest_interaction_profile_bindings(
                    inst,
                    xr.InteractionProfileSuggestedBinding(
                        interaction_profile=runtime.path(profile),
                        count_suggested_bindings=len(pairs),
                        suggested_bindings=bindings,
                    ),
                )
                self.suggested.append(profile)
            except xr.exception.XrException as err:
                # a runtime may not know a profile: the others still work
                self.rejected[profile] = type(err).__name__

    def bind_session(self, session: xr.Session) -> None:
        """Use ``session`` (after ``attach_action_sets`` attached this set to it)."""
        self.session = session

    def pose_space(self, action: str, hand: int) -> xr.Space:
        """An action space for the ``aim`` or ``grip`` pose of ``hand`` (0 left, 1 right)."""
        return xr.create_action_space(
            self.session,
            xr.ActionSpaceCreateInfo(
                action=self.actions[action], subaction_path=self.hand_paths[hand]
            ),
        )

    def _info(self, action: str, hand: int) -> xr.ActionStateGetInfo:
        return xr.ActionStateGetInfo(
            action=self.actions[action], subaction_path=self.hand_paths[hand]
        )

    def read(self, hand: int) -> ControllerState:
        """The hand's buttons and axes after ``sync``."""
        s = self.session
        sel = xr.get_action_state_float(s, self._info("select", hand))
        sq = xr.get_action_state_float(s, self._info("squeeze", hand))
        stick = xr.get_action_state_vector2f(s, self._info("thumbstick", hand))
        state = ControllerState(
            select=float(sel.current_state) if sel.is_active else 0.0,
            squeeze=float(sq.current_state) if sq.is_active else 0.0,
            thumbstick=np.array(
                [stick.current_state.x, stick.current_state.y] if stick.is_active else [0.0, 0.0]
            ),
            active=bool(sel.is_active or sq.is_active),
        )
        for name, flag in BOOLEAN_BUTTONS.items():
            b = xr.get_action_state_boolean(s, self._info(name, hand))
            if b.is_active and b.current_state:
                state.buttons |= flag
        return state

    def pose_active(self, action: str, hand: int) -> bool:
        return bool(xr.get_action_state_pose(self.session, self._info(action, hand)).is_active)

    def current_profile(self, hand: int) -> str | None:
        """The interaction profile the runtime chose for ``hand`` (None: no controller)."""
        state = xr.get_current_interaction_profile(self.session, self.hand_paths[hand])
        path = state.interaction_profile
        return self.runtime.path_text(path) if path else None

    def pulse(
        self, hand: int, strength: float = 0.5, duration: float = 0.05, frequency: float = 0.0
    ) -> None:
        """A haptic pulse on ``hand`` (0 left, 1 right): ``strength`` 0..1, ``duration``
        seconds, ``frequency`` Hz (0: the runtime's default). Does nothing on hands
        without haptics (tracked hands)."""
        vibration = xr.HapticVibration(
            amplitude=float(np.clip(strength, 0.0, 1.0)),
            duration=max(int(duration * 1e9), 1),
            frequency=float(frequency) if frequency > 0 else xr.FREQUENCY_UNSPECIFIED,
        )
        xr.apply_haptic_feedback(
            self.session,
            xr.HapticActionInfo(
                action=self.actions["haptic"], subaction_path=self.hand_paths[hand]
            ),
            ctypes.cast(ctypes.byref(vibration), ctypes.POINTER(xr.HapticBaseHeader)).contents,
        )
