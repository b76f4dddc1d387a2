"""Eye gaze (XR_EXT_eye_gaze_interaction): a gaze ray where the system has eye tracking,
and a clean absence (confidence 0) where it has not.

The gaze is a pose action bound to ``/user/eyes_ext/input/gaze_ext/pose`` in its own
action set; the ray starts at the pose and runs along its -Z. The extension being offered
is not enough: the system property ``supportsEyeGazeInteraction`` must say so (Monado
lists the extension on systems without eye tracking).
"""

from __future__ import annotations

import numpy as np
import xr

from interaction.frame import GazeInput
from scenes.transforms import quat_to_matrix

PROFILE = "/interaction_profiles/ext/eye_gaze_interaction"
GAZE_PATH = "/user/eyes_ext/input/gaze_ext/pose"


def gaze_from_pose(pose: np.ndarray | None) -> GazeInput:
    """A gaze ray from a (7,) gaze pose (None: no gaze, confidence 0)."""
    if pose is None:
        return GazeInput()
    direction = quat_to_matrix(pose[3:7]) @ np.array([0.0, 0.0, -1.0])
    return GazeInput(origin=pose[:3].copy(), direction=direction, confidence=1.0)


class EyeGaze:
    """The gaze action set on a runtime whose system supports eye gaze.

    ``supported`` False (no extension, or the system has no eye tracker): no action set is
    created and ``read`` always gives confidence 0.
    """

    def __init__(self, runtime: object) -> None:
        self.supported = bool(runtime.info.eye_gaze)
        self.action_set: xr.ActionSet | None = None
        self._space: xr.Space | None = None
        if not self.supported:
            return
        inst = runtime.instance
        self.action_set = xr.create_action_set(
            inst,
            xr.ActionSetCreateInfo(
                action_set_name="xrjig_gaze", localized_action_set_name="xrjig gaze"
            ),
        )
        self.action = xr.create_action(
            self.action_set,
            xr.ActionCreateInfo(
                action_type=xr.ActionType.POSE_INPUT,
                action_name="gaze",
                localized_action_name="Eye gaze",
            ),
        )
        binding = (xr.ActionSuggestedBinding * 1)(
            xr.ActionSuggestedBinding(self.action, runtime.path(GAZE_PATH))
        )
        xr.suggest_interaction_profile_bindings(
            inst,
            xr.InteractionProfileSuggestedBinding(
                interaction_profile=runtime.path(PROFILE),
                count_suggested_bindings=1,
                suggested_bindings=binding,
            ),
        )

    def bind_session(self, session: xr.Session) -> None:
        """Create the gaze space once the action set is attached to ``session``."""
        if self.supported:
            self._space = xr.create_action_space(
                session, xr.ActionSpaceCreateInfo(action=self.action)
            )

    def read(self, spaces: object, time: int) -> GazeInput:
        """The gaze at XrTime ``time`` in the floor space (confidence 0 when untracked)."""
        if self._space is None:
            return GazeInput()
        return gaze_from_pose(spaces.locate(self._space, time))
