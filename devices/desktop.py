"""Simulated head, hands and eyes driven by mouse and keyboard (the desktop device).

In the spirit of Unity's XR Device Simulator: the mouse moves the active hand across the
view, the wheel moves it in depth, buttons and keys pinch and grab, arrow keys turn the
head. The viewport forwards raw input as plain data (key names, NDC cursor positions,
wheel notches), so this module needs no Qt and is tested by feeding it sequences.

Hands live in head space (they travel with the head, as a person's do) and are placed on
the cursor ray, so the hand is drawn under the cursor. The aim ray starts at the eye and
runs through the hand, so it hits what the cursor points at; the grip keeps the orientation the
user gave it (R + mouse). A hand that carries a part is driven by its grab point
(devices/desktop_carry.py: view-plane drag, depth taken from the target under the cursor,
turns about named view axes in optional 15° steps). Output depends only on the input
sequence, the ``poll`` times and the ``begin_carry`` / ``end_carry`` calls: deterministic.

Key names are lower-case Qt key names ("tab", "space", "left", "w", "1", ...); mouse
buttons are "left", "right", "middle".
"""

from __future__ import annotations

import numpy as np

from devices.desktop_carry import ASSIST_DESCRIPTION, Carry, TurnGesture, axis_rotation
from devices.desktop_hand import hand_skeleton, skeleton_in_world
from interaction.frame import GazeInput, HandInput, InputFrame
from scenes.transforms import (
    look_at,
    matrix_to_pose,
    matrix_to_quat,
    pose_to_matrix,
    quat_from_axis_angle,
    quat_multiply,
    quat_to_matrix,
)


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name pyside6-lupdate looks for
    """Marks ``text`` for translation without Qt (devices may not import it): lupdate
    extracts it, and the window translates it when it shows it (views/help_overlay.py)."""
    return text


#: (keys, what they do), in the order the help overlay lists them; the window shows them
#: translated (context "Controls")
CONTROLS: tuple[tuple[str, str], ...] = (
    (QT_TRANSLATE_NOOP("Controls", "Mouse"), QT_TRANSLATE_NOOP("Controls", "move the active hand across the view")),
    (QT_TRANSLATE_NOOP("Controls", "Wheel / Q E"), QT_TRANSLATE_NOOP("Controls", "move the active hand nearer / further")),
    (QT_TRANSLATE_NOOP("Controls", "Tab / 1 2 3"), QT_TRANSLATE_NOOP("Controls", "active hand: cycle / left / right / both")),
    (QT_TRANSLATE_NOOP("Controls", "Left button / Space"), QT_TRANSLATE_NOOP("Controls", "pinch (select)")),
    (QT_TRANSLATE_NOOP("Controls", "Right button / G"), QT_TRANSLATE_NOOP("Controls", "grab (near, or along the ray from afar)")),
    (QT_TRANSLATE_NOOP("Controls", "R + mouse, R + wheel"), QT_TRANSLATE_NOOP("Controls", "turn the hand or its part about the view's up, right / forward axes")),
    (QT_TRANSLATE_NOOP("Controls", "Ctrl (with R)"), QT_TRANSLATE_NOOP("Controls", "turn in 15° steps")),
    ("T", QT_TRANSLATE_NOOP("Controls", "reset the active hand's rotation")),
    (QT_TRANSLATE_NOOP("Controls", "Arrows / middle-drag"), QT_TRANSLATE_NOOP("Controls", "turn the head")),
    ("W A S D, PgUp PgDn", QT_TRANSLATE_NOOP("Controls", "walk forward, left, back, right; up, down")),
    ("F", QT_TRANSLATE_NOOP("Controls", "eye gaze follows the cursor / the head")),
    (QT_TRANSLATE_NOOP("Controls", "Esc"), QT_TRANSLATE_NOOP("Controls", "release all keys and buttons")),
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
_EYE = np.zeros(3)  # head-space origin: where the desktop aim rays start


class DesktopDevice:
    """Mouse-and-keyboard simulated hands (see module docstring). Always available."""

    name = "desktop"
    available = True
    why_not = ""
    #: driven by the window's viewport (capabilities: devices/base.py)
    driven_by_viewport = True
    #: it carries held parts by their grab point (devices/desktop_carry.py)
    assist_description = ASSIST_DESCRIPTION

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
        #: hand -> its carry while it holds a part (begin_carry / end_carry)
        self._carry: dict[int, Carry] = {}
        #: the R gesture in progress and each active hand's turn when it began
        self._gesture: TurnGesture | None = None
        self._gesture_base: dict[int, np.ndarray] = {}
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
        self._carry = {}
        self._gesture = None

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

    # -- carrying (the app reports the engine's grabs and releases) --------------------
    def begin_carry(
        self,
        hand: int,
        via: str,
        driver: np.ndarray,
        anchor: np.ndarray,
        guides: np.ndarray | None = None,
        capture: float = 0.0,
    ) -> None:
        """``hand`` now holds a part: ``via`` "near" (its grip ``driver`` pose drives it)
        or "ray" (its aim pose does); ``anchor`` (3,) is the grab point, ``guides`` (k, 3)
        where the grab point lies when the part sits in an open target, ``capture`` how
        near the cursor ray must pass a guide to take its depth (all world, scene units)."""
        inv = np.linalg.inv(self._head)
        local_anchor = inv[:3, :3] @ np.asarray(anchor, dtype=np.float64) + inv[:3, 3]
        carry = Carry(
            via=via,
            driver0=inv @ pose_to_matrix(np.asarray(driver, dtype=np.float64)),
            anchor0=local_anchor,
            anchor=local_anchor.copy(),
            guides=np.zeros((0, 3)) if guides is None else np.asarray(guides, dtype=np.float64),
            capture=float(capture),
            depth=max(float(-local_anchor[2]), _MIN_DEPTH * self.reach),
        )
        self._carry[hand] = carry
        if self._gesture is not None and hand in self.active:
            self._gesture_base[hand] = carry.rotation.copy()

    def end_carry(self, hand: int) -> None:
        """``hand`` let go: it stays where the grab point was, turned as the part was."""
        carry = self._carry.pop(hand, None)
        if carry is None:
            return
        self._hand_pos[hand] = carry.anchor
        self._hand_rot[hand] = carry.rotation @ self._hand_rot[hand]
        if self._gesture is not None and hand in self.active:
            self._gesture_base[hand] = self._hand_rot[hand].copy()

    @property
    def carrying(self) -> dict[int, Carry]:
        """hand -> its carry (read-only use: the app shows which target took the depth)."""
        return dict(self._carry)

    def stop(self) -> None:
        self.release_all()

    # -- raw input -----------------------------------------------------------------------
    def on_key(self, key: str, pressed: bool) -> None:
        key = key.lower()
        if not pressed:
            self._keys.discard(key)
            if key == "r":
                self._gesture = None
            elif key == "control":
                self._start_gesture()  # the stepped turn so far stays; fine turns go on from it
            return
        if key in self._keys:  # auto-repeat
            return
        self._keys.add(key)
        if key in ("r", "control"):
            self._start_gesture()
        if key == "tab":
            i = _ACTIVE_CYCLE.index(self.active) if self.active in _ACTIVE_CYCLE else 0
            self.active = _ACTIVE_CYCLE[(i + 1) % len(_ACTIVE_CYCLE)]
        elif key in ("1", "2", "3"):
            self.active = {"1": (LEFT,), "2": (RIGHT,), "3": (LEFT, RIGHT)}[key]
        elif key == "t":
            self._hand_rot[list(self.active)] = np.eye(3)
            for h in self.active:
                if h in self._carry:
                    self._carry[h].rotation = np.eye(3)
            self._start_gesture()
        elif key == "f":
            self.gaze_follows_cursor = not self.gaze_follows_cursor
        elif key in ("esc", "escape"):
            self.release_all()

    def on_mouse_button(self, button: str, pressed: bool) -> None:
        (self._buttons.add if pressed else self._buttons.discard)(button)

    def _start_gesture(self) -> None:
        """A new R gesture from the active hands' (or their parts') current turns."""
        if "r" not in self._keys:
            self._gesture = None
            return
        self._gesture = TurnGesture()
        self._gesture_base = {h: self._turn_of(h).copy() for h in self.active}

    def _turn_of(self, hand: int) -> np.ndarray:
        carry = self._carry.get(hand)
        return carry.rotation if carry is not None else self._hand_rot[hand]

    def _apply_gesture(self) -> None:
        assert self._gesture is not None
        turn = self._gesture.rotation(stepped="control" in self._keys)
        for h, base in self._gesture_base.items():
            if h in self._carry:
                self._carry[h].rotation = turn @ base
            else:
                self._hand_rot[h] = turn @ base

    def on_mouse_move(self, ndc_x: float, ndc_y: float) -> None:
        """Cursor at normalised device coordinates (-1..1, +Y up)."""
        new = np.array([ndc_x, ndc_y], dtype=np.float64)
        delta = new - self._cursor
        self._cursor = new
        if "middle" in self._buttons:
            self._turn_head(-delta[0] * _DRAG_TURN, delta[1] * _DRAG_TURN)
        elif "r" in self._keys:
            if self._gesture is None:
                self._start_gesture()
            assert self._gesture is not None
            self._gesture.add(delta[0] * _DRAG_TURN, -delta[1] * _DRAG_TURN)
            self._apply_gesture()
        else:
            self._follow_cursor(delta)

    def on_wheel(self, notches: float) -> None:
        """Wheel turned by ``notches`` (positive = away from the user)."""
        if "r" in self._keys:
            roll = axis_rotation(2, -notches * _ROLL_PER_NOTCH)
            if self._gesture is None:
                self._start_gesture()
            for h in self._gesture_base:
                self._gesture_base[h] = roll @ self._gesture_base[h]
            self._apply_gesture()
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

        # the grab button grabs from afar too: it also selects along the ray (XRI's
        # ray interactor grabs with the grip button), the pinch is the finer gesture
        grab = 1.0 if ("right" in self._buttons or "g" in self._keys) else 0.0
        pinch = 1.0 if ("left" in self._buttons or "space" in self._keys or grab) else 0.0
        eye = self._head[:3, 3]
        head_pose = matrix_to_pose(self._head)
        q_head = head_pose[3:]
        hands = []
        for h in (LEFT, RIGHT):
            strengths = (pinch, grab) if h in self.active else (0.0, 0.0)
            grip_pos, grip_rot, aim_pos, aim_q = self._hand_in_head(h)
            rot = self._head[:3, :3] @ grip_rot
            pos = self._head[:3, :3] @ grip_pos + eye
            q_grip = quat_multiply(q_head, matrix_to_quat(grip_rot))
            local = hand_skeleton(strengths[0], strengths[1], left=h == LEFT)
            hands.append(
                HandInput(
                    tracked=True,
                    aim=np.concatenate(
                        [self._head[:3, :3] @ aim_pos + eye, quat_multiply(q_head, aim_q)]
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
        grip_pos, grip_rot, _, _ = self._hand_in_head(hand)
        m = np.eye(4)
        m[:3, :3] = self._head[:3, :3] @ grip_rot
        m[:3, 3] = self._head[:3, :3] @ grip_pos + self._head[:3, 3]
        return m

    def _hand_in_head(self, h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Head-space grip position, grip rotation, aim position and aim quaternion of hand
        ``h``. The aim ray starts at the eye and runs through the hand, so it finds what is
        under the cursor even in front of the hand (on screen a ray along the cursor is a
        point either way). A carrying hand is drawn at its grab point; its driving pose
        (grip or aim) is the carry's."""
        carry = self._carry.get(h)
        if carry is None:
            pos = self._hand_pos[h]
            return pos, self._hand_rot[h], _EYE, _arc_from_forward(pos)
        driver = carry.driver()
        if carry.via == "near":
            pos = driver[:3, 3]
            return pos, driver[:3, :3], _EYE, _arc_from_forward(pos)
        return carry.anchor, carry.rotation @ self._hand_rot[h], driver[:3, 3], matrix_to_quat(driver)

    # -- internals -----------------------------------------------------------------------------
    def _cursor_direction(self, ndc: np.ndarray | None = None) -> np.ndarray:
        """Head-space direction of the ray through the cursor, or through the point ``ndc``
        of the view (not normalised, z = -1)."""
        x, y = self._cursor if ndc is None else ndc
        near = self._proj_inv @ np.array([x, y, -1.0, 1.0])
        far = self._proj_inv @ np.array([x, y, 1.0, 1.0])
        d = far[:3] / far[3] - near[:3] / near[3]
        return d / -d[2]

    def _follow_cursor(self, delta: np.ndarray) -> None:
        """Put the active hand (or the midpoint of both) on the cursor ray at its depth. A
        lone carrying hand's grab point moves on screen as the cursor does (by ``delta``,
        NDC: after an R turn the cursor has run ahead, and the part must not jump to it),
        at its carry depth or its target's."""
        carries = [self._carry[h] for h in self.active if h in self._carry]
        if len(self.active) == 1 and carries:
            carry = carries[0]
            carry.place(self._cursor_direction(self._ndc_of(carry.anchor) + delta), self._head)
            return
        ray = self._cursor_direction()
        self._move_active(lambda centre: ray * -centre[2])

    def _ndc_of(self, point: np.ndarray) -> np.ndarray:
        """(2,) view position of a head-space point."""
        clip = self.projection @ np.append(point, 1.0)
        return clip[:2] / clip[3]

    def _scale_depth(self, factor: float) -> None:
        carries = [self._carry[h] for h in self.active if h in self._carry]
        if len(self.active) == 1 and carries:
            carry = carries[0]
            carry.depth = max(-carry.anchor[2] * factor, _MIN_DEPTH * self.reach)
            carry.place(self._cursor_direction(self._ndc_of(carry.anchor)), self._head, guide=False)
            return
        ray = self._cursor_direction()
        self._move_active(lambda centre: ray * max(-centre[2] * factor, _MIN_DEPTH * self.reach))

    def _move_active(self, target) -> None:
        """Shift the active hands (and the grab points of those carrying) together so
        their midpoint goes to ``target(midpoint)``, all head space."""
        hands = list(self.active)
        spots = [self._carry[h].anchor if h in self._carry else self._hand_pos[h] for h in hands]
        centre = np.mean(spots, axis=0)
        shift = target(centre) - centre
        for h in hands:
            if h in self._carry:
                carry = self._carry[h]
                carry.anchor = carry.anchor + shift
                carry.depth = float(-carry.anchor[2])
            else:
                self._hand_pos[h] += shift

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
