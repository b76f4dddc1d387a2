"""The other participants of a shared session in the view: head, hands, rays and gaze in
one colour per person, with a name label over the head, and their laser pointers.

Drawn with the render state's plain lines, points and labels (no new GL): what a remote
participant does needs no more than what the local hands use. A person's colour comes from
their name through a stable checksum (not Python's per-process ``hash``), so everyone sees
anna in the same colour on every machine and every run. Opacity follows the roster's fade
of a silent participant.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interaction.frame import GazeInput, HandInput, InputFrame
from scenes.transforms import quat_to_matrix
from views.overlays import HAND_BONES
from views.render_state import Label, RenderState

#: distinct, readable on the grey background, none of them the local hands' orange or blue
PALETTE = (
    (0.95, 0.35, 0.55), (0.55, 0.85, 0.35), (0.75, 0.5, 1.0), (1.0, 0.85, 0.3),
    (0.35, 0.9, 0.8), (1.0, 0.55, 0.3), (0.6, 0.7, 1.0), (0.9, 0.9, 0.9),
)
_BONES = np.array(HAND_BONES, dtype=np.intp)
#: how far an aim ray and a gaze ray are drawn (metres)
RAY_LENGTH = 1.0


def colour_of(name: str) -> tuple[float, float, float]:
    """The colour everyone draws participant ``name`` in."""
    return PALETTE[zlib.crc32(name.encode()) % len(PALETTE)]


def add_others(state: RenderState, others: Sequence[tuple[str, InputFrame, float]], head_size: float) -> None:
    """Append each (name, frame, opacity) to ``state``'s lines, points and labels.
    ``head_size`` (metres) scales the head marker and hand points to the scene."""
    lines: list[np.ndarray] = []
    line_colors: list[np.ndarray] = []
    points: list[np.ndarray] = []
    radii: list[np.ndarray] = []
    point_colors: list[np.ndarray] = []

    def segs(s: np.ndarray, rgba: tuple[float, ...]) -> None:
        s = np.asarray(s, np.float32).reshape(-1, 2, 3)
        lines.append(s)
        line_colors.append(np.tile(np.array(rgba, np.float32), (len(s), 1)))

    def dots(p: np.ndarray, r: float | np.ndarray, rgba: tuple[float, ...]) -> None:
        p = np.asarray(p, np.float32).reshape(-1, 3)
        points.append(p)
        radii.append(np.broadcast_to(np.asarray(r, np.float32), (len(p),)).copy())
        point_colors.append(np.tile(np.array(rgba, np.float32), (len(p), 1)))

    for name, frame, alpha in others:
        rgb = colour_of(name)
        head = np.asarray(frame.head[:3], np.float64)
        rotation = quat_to_matrix(frame.head[3:7])
        forward, up = -rotation[:, 2], rotation[:, 1]
        dots(head, head_size, (*rgb, alpha))
        segs(np.stack([head, head + forward * head_size * 3]), (*rgb, alpha))
        for hand in frame.hands:
            if not hand.tracked:
                continue
            if hand.joints is not None:
                j = hand.joints[:, :3]
                segs(np.stack([j[_BONES[:, 0]], j[_BONES[:, 1]]], axis=1), (*rgb, alpha))
                dots(j, hand.joints[:, 7], (*rgb, alpha))
            else:
                dots(hand.grip[:3], head_size * 0.7, (*rgb, alpha))
            aim = -quat_to_matrix(hand.aim[3:7])[:, 2]
            segs(np.stack([hand.aim[:3], hand.aim[:3] + aim * RAY_LENGTH]), (*rgb, 0.5 * alpha))
        gaze = frame.gaze
        if gaze.confidence > 0.5:
            segs(np.stack([gaze.origin, gaze.origin + gaze.direction * RAY_LENGTH]), (*rgb, 0.35 * alpha))
        state.labels.append(Label(head + up * head_size * 2.5, (name,), (*(c * 0.45 for c in rgb), 0.85 * alpha)))
    if lines:
        state.lines = np.concatenate([state.lines, *lines])
        state.line_colors = np.concatenate([state.line_colors, *line_colors])
    if points:
        state.points = np.concatenate([state.points, *points])
        state.point_radii = np.concatenate([state.point_radii, *radii])
        state.point_colors = np.concatenate([state.point_colors, *point_colors])


@dataclass(frozen=True)
class Pointer:
    """A laser pointer to draw: ``name``'s beam from ``origin`` to ``end``, which is on the
    model when ``hit`` (a spot there, with the name), else the beam's far end."""

    name: str
    origin: np.ndarray
    end: np.ndarray
    hit: bool


#: the pointer's spot, against the head marker's size
SPOT = 0.35


def add_pointers(state: RenderState, pointers: Sequence[Pointer], head_size: float) -> None:
    """Append each laser pointer to ``state``: a full-strength beam in the person's colour,
    a spot where it meets the model and the person's name beside the spot (unlike the
    faint aim rays everyone always has, this is a deliberate "look here")."""
    for p in pointers:
        rgba = np.array([*colour_of(p.name), 1.0], np.float32)
        state.lines = np.concatenate([state.lines, np.asarray([[p.origin, p.end]], np.float32)])
        state.line_colors = np.concatenate([state.line_colors, rgba[None]])
        if p.hit:
            state.points = np.concatenate([state.points, np.asarray([p.end], np.float32)])
            state.point_radii = np.concatenate([state.point_radii, np.array([head_size * SPOT], np.float32)])
            state.point_colors = np.concatenate([state.point_colors, rgba[None]])
            state.labels.append(Label(np.asarray(p.end, np.float64), (f"➤ {p.name}",),
                                      (*(c * 0.45 for c in colour_of(p.name)), 0.9)))


def add_measurements(state: RenderState, measurements: dict[str, list[np.ndarray]], head_size: float) -> None:
    """Append the others' measurements (``EngineState.others_measurements``): the two points
    and the line between them in the person's colour, and "name: 12.3 mm" at its middle."""
    for name, (a, b) in sorted(measurements.items()):
        rgba = np.array([*colour_of(name), 1.0], np.float32)
        state.lines = np.concatenate([state.lines, np.asarray([[a, b]], np.float32)])
        state.line_colors = np.concatenate([state.line_colors, rgba[None]])
        state.points = np.concatenate([state.points, np.asarray([a, b], np.float32)])
        state.point_radii = np.concatenate([state.point_radii, np.full(2, head_size * 0.2, np.float32)])
        state.point_colors = np.concatenate([state.point_colors, np.tile(rgba, (2, 1))])
        distance = float(np.linalg.norm(np.asarray(b) - np.asarray(a))) * 1000.0
        state.labels.append(Label((np.asarray(a) + np.asarray(b)) / 2, (f"{name}: {distance:.1f} mm",),
                                  (*(c * 0.45 for c in colour_of(name)), 0.9)))


class RecordedOthers:
    """The other participants a shared-session recording holds (``Recording.others``),
    for a replay: each person as they were at the replay's time, shown until
    ``SHOWN_FOR_S`` after their last frame (as a live view fades a silent person)."""

    #: the fields drawn (hands without finger joints: an hour of eight people stays small)
    FIELDS = ("t", "head", "tracked", "aim", "grip", "gaze_origin", "gaze_direction", "gaze_confidence")
    SHOWN_FOR_S = 2.0

    def __init__(self, others: dict[str, np.ndarray]) -> None:
        self.others = others

    def at(self, t: float) -> list[tuple[str, InputFrame, float]]:
        """(name, frame, opacity) of everyone to draw at recording time ``t``."""
        out = []
        for name, records in self.others.items():
            k = int(np.searchsorted(records["t"], t, side="right")) - 1
            if k < 0 or t - records["t"][k] > self.SHOWN_FOR_S:
                continue
            r = records[k]
            hands = tuple(HandInput(tracked=bool(r["tracked"][h]), aim=r["aim"][h].copy(), grip=r["grip"][h].copy())
                          for h in range(2))
            gaze = GazeInput(r["gaze_origin"].copy(), r["gaze_direction"].copy(), float(r["gaze_confidence"]))
            out.append((name, InputFrame(float(r["t"]), r["head"].copy(), hands, gaze), 1.0))  # type: ignore[arg-type]
        return out
