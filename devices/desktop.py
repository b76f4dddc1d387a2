"""Simulated head, hands and eyes driven by mouse and keyboard (the desktop device).

In the spirit of Unity's XR Device Simulator: the mouse moves the active hand across the
view, the wheel moves it in depth, buttons and keys pinch and grab, arrow keys turn the
head. The viewport forwards raw input as plain data (key names, NDC cursor positions,
wheel notches), so this module needs no Qt and is tested by feeding it sequences.

Hands live in head space (they travel with the head, as a person's do) and are placed on
the cursor ray, so the hand is drawn under the cursor. The aim ray runs from the eye
through the hand, so it points where the cursor points; the grip keeps the orientation the
user gave it (R + mouse), so a grabbed part does not tilt while it is carried across the
view. Output depends only on the input sequence and the ``poll`` times: deterministic.

Key names are lower-case Qt key names ("tab", "space", "left", "w", "1", ...); mouse
buttons are "left", "right", "middle".
"""

from __future__ import annotations

import numpy as np

from devices.desktop_hand import hand_skeleton, skeleton_in_world
from interaction.frame import GazeInput, HandInput, InputFrame
from scenes.transforms import (
    look_at,
    matrix_to_pose,
    matrix_to_quat,
    quat_from_axis_angle,
    quat_multiply,
    quat_to_matrix,
)

#: (keys, what they do), in the order the help overlay lists them
CONTROLS: tuple[tuple[str, str], ...] = (
    ("Mouse", "move the active hand across the view"),
    ("Wheel / Q E", "move the active hand nearer / further"),
    ("Tab / 1 2 3", "active hand: cycle / left / right / both"),
    ("Left button / Space", "pinch (select)"),
    ("Right button / G", "grab"),
    ("R + mouse, R + wheel", "rotate the active hand (yaw, pitch / roll)"),
    ("T", "reset the active hand's rotation"),
    ("Arrows / middle-drag", "turn the head"),
    ("W A S D, PgUp PgDn", "walk forward, left, back, right; up, down"),
    ("F", "eye gaze follows the cursor / the head"),
    ("Esc", "release all keys and buttons"),
)

HELP_TEXT = "\n".join(f"{keys:<22} {what}" for keys, what in CONTROLS)

LEFT, RIGHT = 0, 1
_ACTIVE_CYCLE = ((RIGHT,), (LEFT,), (LEFT, RIGHT))
_TURN_RATE = np.radians(90.0)  # head turn with arrow keys, rad/s
_DRAG_TURN = np.pi / 2  # head / hand turn per NDC unit of mouse travel, rad
_DEPTH_RATE = 1.0  # Q/E: depth changes by e^(rate * dt)
_WHEEL_FACTOR = 1.1  # depth factor per wheel notch
_ROLL_PER_NOTCH = np.radians(15.0)
_MIN_DEPTH = 0.05  # fraction of the reach


class DesktopDevice:
    """Mouse-and-keyboard simulated hands (see module docstring). Always available."""

    name = "desktop"
    available = True
    why_not = ""

    def __init__(
        self, head: np.ndarray | None = None, reach: float = 0.5, hand_scale: float = 1.0
    ) -> None:
        """``head``: (4, 4) camera-to-world pose of the eyes; ``reach``: the depth (scene units)
        at which hands start; ``hand_scale``: scene units per metre (hands are 19 cm long)."""
        self.error: str | None = None
        self.hand_scale = hand_scale
        self.gaze_follows_cursor = True
        self.active: tuple[int, ...] = (RIGHT,)
        self.projection = _default_projection()
        self._proj_inv = np.linalg.inv(self.projection)
        self._keys: set[str] = set()
        self._buttons: set[str] = set()
        self._cursor = np.zeros(2)
        self._last_t: float | None = None
        self.reset(
            head if head is not None else look_at(np.array([0.0, 0.0, 1.0]), np.zeros(3)), reach
        )

    # -- setup -------------------------------------------------------------------------
    def reset(self, head: np.ndarray, reach: float) -> None:
        """Put the head at ``head`` and both hands in front of it at depth ``reach``."""
        self.reach = float(reach)
        self._head = np.array(head, dtype=np.float64)
        d = self.reach
        #: per hand: position in head space and orientation (head-space rotation)
        self._hand_pos = np.array([[-0.25 * d, -0.2 * d, -d], [0.25 * d, -0.2 * d, -d]])
        self._hand_rot = np.tile(np.eye(3), (2, 1, 1))

    def set_projection(self, proj: np.ndarray) -> None:
        """The viewport's (4, 4) projection, so cursor rays match what is drawn."""
        self.projection = np.array(proj, dtype=np.float64)
        self._proj_inv = np.linalg.inv(self.projection)

    def set_head(self, head: np.ndarray) -> None:
        """Move the head (e.g. the viewport framed the scene); hands travel with it."""
        self._head = np.array(head, dtype=np.float64)

    @property
    def head_matrix(self) -> np.ndarray:
        """(4, 4) camera-to-world pose of the simulated eyes; the viewport renders from it."""
        return self._head.copy()

    @property
    def cursor(self) -> np.ndarray:
        """(2,) last cursor position in NDC, as the viewport reported it."""
        return self._cursor.copy()

    def start(self) -> None:
        self._last_t = None

    def stop(self) -> None:
        self.release_all()

    # -- raw input -----------------------------------------------------------------------
    def on_key(self, key: str, pressed: bool) -> None:
        key = key.lower()
        if not pressed:
            self._keys.discard(key)
            return
        if key in self._keys:  # auto-repeat
            return
        self._keys.add(key)
        if key == "tab":
            i = _ACTIVE_CYCLE.index(self.active) if self.active in _ACTIVE_CYCLE else 0
            self.active = _ACTIVE_CYCLE[(i + 1) % len(_ACTIVE_CYCLE)]
        elif key in ("1", "2", "3"):
            self.active = {"1": (LEFT,), "2": (RIGHT,), "3": (LEFT, RIGHT)}[key]
        elif key == "t":
            self._hand_rot[list(self.active)] = np.eye(3)
        elif key == "f":
            self.gaze_follows_cursor = not self.gaze_follows_cursor
        elif key in ("esc", "escape"):
            self.release_all()

    def on_mouse_button(self, button: str, pressed: bool) -> None:
        (self._buttons.add if pressed else self._buttons.discard)(button)

    def on_mouse_move(self, ndc_x: float, ndc_y: float) -> None:
        """Cursor at normalised device coordinates (-1..1, +Y up)."""
        new = np.array([ndc_x, ndc_y], dtype=np.float64)
        delta = new - self._cursor
        self._cursor = new
        if "middle" in self._buttons:
            self._turn_head(-delta[0] * _DRAG_TURN, delta[1] * _DRAG_TURN)
        elif "r" in self._keys:
            yaw = quat_to_matrix(quat_from_axis_angle([0, 1, 0], delta[0] * _DRAG_TURN))
            pitch = quat_to_matrix(quat_from_axis_angle([1, 0, 0], -delta[1] * _DRAG_TURN))
            for h in self.active:
                self._hand_rot[h] = yaw @ pitch @ self._hand_rot[h]
        else:
            self._follow_cursor()

    def on_wheel(self, notches: float) -> None:
        """Wheel turned by ``notches`` (positive = away from the user)."""
        if "r" in self._keys:
            roll = quat_to_matrix(quat_from_axis_angle([0, 0, 1], -notches * _ROLL_PER_NOTCH))
            for h in self.active:
                self._hand_rot[h] = roll @ self._hand_rot[h]
            return
        self._scale_depth(_WHEEL_FACTOR**notches)

    def release_all(self) -> None:
        """Forget held keys and buttons (the viewport lost focus: releases never arrive)."""
        self._keys.clear()
        self._buttons.clear()

    # -- output ----------------------------------------------------------------------------
    def poll(self, t: float) -> InputFrame:
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        self._integrate_held_keys(dt)

        pinch = 1.0 if ("left" in self._buttons or "space" in self._keys) else 0.0
        grab = 1.0 if ("right" in self._buttons or "g" in self._keys) else 0.0
        eye = self._head[:3, 3]
        head_pose = matrix_to_pose(self._head)
        q_head = head_pose[3:]
        hands = []
        for h in (LEFT, RIGHT):
            strengths = (pinch, grab) if h in self.active else (0.0, 0.0)
            rot = self._head[:3, :3] @ self._hand_rot[h]
            pos = self._head[:3, :3] @ self._hand_pos[h] + eye
            q_grip = quat_multiply(q_head, matrix_to_quat(self._hand_rot[h]))
            local = hand_skeleton(strengths[0], strengths[1], left=h == LEFT)
            hands.append(
                HandInput(
                    tracked=True,
                    aim=np.concatenate(
                        [pos, quat_multiply(q_head, _arc_from_forward(self._hand_pos[h]))]
                    ),
                    grip=np.concatenate([pos, q_grip]),
                    pinch=strengths[0],
                    grab=strengths[1],
                    joints=skeleton_in_world(local, rot, pos, q_grip, self.hand_scale),
                )
            )
        if self.gaze_follows_cursor:
            direction = self._head[:3, :3] @ self._cursor_direction()
        else:
            direction = -self._head[:3, 2]
        gaze = GazeInput(
            origin=eye.copy(), direction=direction / np.linalg.norm(direction), confidence=1.0
        )
        return InputFrame(t=t, head=head_pose, hands=(hands[0], hands[1]), gaze=gaze)

    def hand_matrix(self, hand: int) -> np.ndarray:
        """(4, 4) world pose of a hand's grip (palm centre)."""
        m = np.eye(4)
        m[:3, :3] = self._head[:3, :3] @ self._hand_rot[hand]
        m[:3, 3] = self._head[:3, :3] @ self._hand_pos[hand] + self._head[:3, 3]
        return m

    # -- internals -----------------------------------------------------------------------------
    def _cursor_direction(self) -> np.ndarray:
        """Head-space direction of the ray through the cursor (not normalised, z = -1)."""
        near = self._proj_inv @ np.array([self._cursor[0], self._cursor[1], -1.0, 1.0])
        far = self._proj_inv @ np.array([self._cursor[0], self._cursor[1], 1.0, 1.0])
        d = far[:3] / far[3] - near[:3] / near[3]
        return d / -d[2]

    def _follow_cursor(self) -> None:
        """Put the active hand (or the midpoint of both) on the cursor ray at its depth."""
        hands = list(self.active)
        centre = self._hand_pos[hands].mean(axis=0)
        target = self._cursor_direction() * -centre[2]
        self._hand_pos[hands] += target - centre

    def _scale_depth(self, factor: float) -> None:
        hands = list(self.active)
        centre = self._hand_pos[hands].mean(axis=0)
        depth = max(-centre[2] * factor, _MIN_DEPTH * self.reach)
        target = self._cursor_direction() * depth
        self._hand_pos[hands] += target - centre

    def _turn_head(self, yaw: float, pitch: float) -> None:
        """Yaw about the world up axis, pitch about the head's right axis (no roll creeps in)."""
        r_yaw = quat_to_matrix(quat_from_axis_angle([0, 1, 0], yaw))
        r_pitch = quat_to_matrix(quat_from_axis_angle([1, 0, 0], pitch))
        rot = r_yaw @ self._head[:3, :3] @ r_pitch
        forward = -rot[:, 2]
        if abs(forward[1]) > 0.98:  # stop short of looking straight up or down
            rot = r_yaw @ self._head[:3, :3]
        self._head[:3, :3] = rot

    def _integrate_held_keys(self, dt: float) -> None:
        if dt <= 0.0:
            return
        keys = self._keys
        turn = _TURN_RATE * dt
        yaw = turn * (("left" in keys) - ("right" in keys))
        pitch = turn * (("up" in keys) - ("down" in keys))
        if yaw or pitch:
            self._turn_head(yaw, pitch)
        if "q" in keys or "e" in keys:
            self._scale_depth(float(np.exp(_DEPTH_RATE * dt * (("e" in keys) - ("q" in keys)))))
        walk = np.array(
            [
                ("d" in keys) - ("a" in keys),
                ("pgup" in keys) - ("pgdown" in keys),
                ("s" in keys) - ("w" in keys),
            ],
            dtype=np.float64,
        )
        if walk.any():
            # walk on the ground plane: forward is the view direction flattened
            rot = self._head[:3, :3]
            forward = -rot[:, 2] * np.array([1.0, 0.0, 1.0])
            if np.linalg.norm(forward) < 1e-6:
                forward = rot[:, 1] * np.array([1.0, 0.0, 1.0])
            forward /= np.linalg.norm(forward)
            right = np.cross(forward, [0.0, 1.0, 0.0])
            step = right * walk[0] + np.array([0.0, 1.0, 0.0]) * walk[1] - forward * walk[2]
            self._head[:3, 3] += step * self.reach * dt


def _arc_from_forward(direction: np.ndarray) -> np.ndarray:
    """Shortest-arc quaternion turning -Z onto ``direction`` (head space): the aim ray runs
    from the eye through the hand. Written out because it runs twice per poll."""
    x, y, z = direction / np.sqrt(direction @ direction)
    # axis = (-Z) x d = (y, -x, 0); w = 1 + (-Z) . d
    q = np.array([y, -x, 0.0, 1.0 - z])
    return q / np.sqrt(q @ q)


def _default_projection(fov_y_deg: float = 60.0, aspect: float = 1.6) -> np.ndarray:
    f = 1.0 / np.tan(np.radians(fov_y_deg) / 2)
    near, far = 0.01, 100.0
    return np.array(
        [
            [f / aspect, 0, 0, 0],
            [0, f, 0, 0],
            [0, 0, (far + near) / (near - far), 2 * far * near / (near - far)],
            [0, 0, -1, 0],
        ]
    )
