"""Engine state + the input frame -> RenderState: what the user sees of the interaction.

Ghosts at target poses, magnet zones (rings) while a part is held, hover / grab / snap /
collision highlights, hands as joints and bones, aim rays to what they hit, the gaze point
and the inspection checklist's markers. Pure NumPy over the engine's read-only state: the
views draw outcomes, they never decide them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from interaction.engine import GAZE_MIN_CONFIDENCE
from interaction.frame import Hand, InputFrame, Joint
from interaction.params import HighlightStyle, InteractionParams
from interaction.release import ReleaseOutcome, ReleasePreview
from interaction.state import EngineState
from scenes.index import SceneIndex
from scenes.model import Scene
from scenes.transforms import quat_to_matrix
from views.carry_readout import readout
from views.render_state import Highlight, Label, RenderState

#: bones as (joint, joint) pairs of the XR_EXT_hand_tracking skeleton
HAND_BONES: tuple[tuple[int, int], ...] = (
    (Joint.WRIST, Joint.THUMB_METACARPAL),
    (Joint.THUMB_METACARPAL, Joint.THUMB_PROXIMAL),
    (Joint.THUMB_PROXIMAL, Joint.THUMB_DISTAL),
    (Joint.THUMB_DISTAL, Joint.THUMB_TIP),
    *(
        pair
        for base in (
            Joint.INDEX_METACARPAL,
            Joint.MIDDLE_METACARPAL,
            Joint.RING_METACARPAL,
            Joint.LITTLE_METACARPAL,
        )
        for pair in ((Joint.WRIST, base), *((base + i, base + i + 1) for i in range(4)))
    ),
    # across the knuckles, so the palm reads as a surface
    (Joint.INDEX_PROXIMAL, Joint.MIDDLE_PROXIMAL),
    (Joint.MIDDLE_PROXIMAL, Joint.RING_PROXIMAL),
    (Joint.RING_PROXIMAL, Joint.LITTLE_PROXIMAL),
)
_BONES = np.array(HAND_BONES, dtype=np.intp)

HAND_COLORS = {Hand.LEFT: (1.0, 0.62, 0.25), Hand.RIGHT: (0.3, 0.85, 1.0)}
GHOST_COLOR = (0.35, 0.9, 0.45, 0.22)
GHOST_HELD_COLOR = (0.35, 0.9, 0.45, 0.45)
#: the ghost a release would snap into now / that the part is in the magnet of, out of
#: tolerance / within tolerance but out of order (the snap preview)
GHOST_PREVIEW_COLORS = {
    ReleaseOutcome.SNAP: (0.2, 1.0, 0.3, 0.7),
    ReleaseOutcome.OUT_OF_TOLERANCE: (1.0, 0.75, 0.15, 0.55),
    ReleaseOutcome.WRONG_ORDER: (1.0, 0.25, 0.2, 0.5),
}
DROP_LINE_COLOR = (1.0, 1.0, 1.0, 0.75)
MAGNET_COLOR = (1.0, 0.85, 0.2, 0.7)
TOLERANCE_COLOR = (0.3, 1.0, 0.4, 0.9)
GAZE_COLOR = (1.0, 0.25, 0.8, 0.9)
VERDICT_COLORS = {
    None: (0.95, 0.95, 0.95, 0.9),
    "pass": (0.25, 0.9, 0.35, 0.95),
    "fail": (1.0, 0.2, 0.2, 0.95),
    "defect": (1.0, 0.6, 0.1, 0.95),
}
SEEN_COLOR = (0.5, 0.75, 1.0, 0.95)
#: the arc that fills round a point's marker while the gaze or a ray dwells on it
DWELL_COLOR = (0.45, 0.8, 1.0, 1.0)
_RING_SEGMENTS = 32
#: joints are drawn smaller than their radius (palm and wrist most), so bones and the
#: posture stay readable instead of a cluster of overlapping balls
_JOINT_DRAW_SCALE = np.full(26, 0.55)
_JOINT_DRAW_SCALE[[Joint.PALM, Joint.WRIST]] = 0.35


def ring_segments(
    centre: np.ndarray, radius: float, normal: np.ndarray, n: int = _RING_SEGMENTS, fraction: float = 1.0
) -> np.ndarray:
    """(n, 2, 3) line segments of a circle around ``centre`` in the plane of ``normal`` (of
    its first ``fraction`` only: an arc, e.g. how far a dwell has come)."""
    normal = np.asarray(normal, dtype=np.float64)
    normal = normal / np.linalg.norm(normal)
    helper = np.array([1.0, 0.0, 0.0]) if abs(normal[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = np.cross(normal, helper)
    u /= np.linalg.norm(u)
    v = np.cross(normal, u)
    a = np.linspace(0.0, 2.0 * np.pi * fraction, n + 1)
    pts = centre + radius * (np.cos(a)[:, None] * u + np.sin(a)[:, None] * v)
    return np.stack([pts[:-1], pts[1:]], axis=1)


class OverlayBuilder:
    """Builds RenderStates for one scene + scenario; target matrices are computed once."""

    def __init__(
        self,
        scene: Scene,
        targets: dict[str, np.ndarray],
        step_parts: dict[str, list[str]],
        index: SceneIndex | None = None,
    ) -> None:
        """``targets``: part id -> (4, 4) world matrix it belongs at; ``step_parts``: step
        id -> its parts (ghosts are shown for the parts of available, unfinished steps);
        ``index`` (at the engine's part poses) finds the surface under a carried part."""
        self.scene = scene
        self.targets = targets
        self.step_parts = step_parts
        self.index = index
        self._centres: dict[str, np.ndarray] = {}
        self._sizes: dict[str, float] = {}
        self._names = {p.id: p.display_name for p in scene.parts}
        bounds = scene.bounds
        self.scene_radius = (
            1.0 if bounds is None else max(float(np.linalg.norm(bounds[1] - bounds[0])) / 2, 1e-6)
        )

    def build(
        self,
        state: EngineState,
        frame: InputFrame | None,
        params: InteractionParams,
        active_hands: Collection[int] = (Hand.RIGHT,),
        previews: Sequence[ReleasePreview | None] = (),
        view: np.ndarray | None = None,
    ) -> RenderState:
        """``previews``: per hand, what letting go now would do (the snap preview and the
        readout beside the carried part); ``view`` (4, 4) world -> eye names the turns the
        readout asks for after the view's axes."""
        lines: list[np.ndarray] = []
        line_colors: list[np.ndarray] = []
        points: list[np.ndarray] = []
        radii: list[np.ndarray] = []
        point_colors: list[np.ndarray] = []

        def add_lines(segs: np.ndarray, rgba) -> None:
            segs = np.asarray(segs, dtype=np.float32).reshape(-1, 2, 3)
            lines.append(segs)
            line_colors.append(np.tile(np.asarray(rgba, dtype=np.float32), (len(segs), 1)))

        def add_points(p: np.ndarray, r, rgba) -> None:
            p = np.asarray(p, dtype=np.float32).reshape(-1, 3)
            points.append(p)
            radii.append(np.broadcast_to(np.asarray(r, dtype=np.float32), (len(p),)))
            point_colors.append(np.broadcast_to(np.asarray(rgba, dtype=np.float32), (len(p), 4)))

        held = {p for p in state.held if p}
        rs = RenderState(
            part_poses=dict(state.part_poses), highlights=self._highlights(state, params)
        )
        rs.ghosts = self._ghosts(state, held, [p for p in previews if p is not None])
        for preview in previews:
            if preview is None:
                continue
            centre = self.part_centre(preview.part, state.part_poses[preview.part])
            self._drop_line(preview.part, centre, add_lines, add_points)
            steps = {sid: st.label for sid, st in state.steps.items()}
            text, rgba = readout(preview, state.part_poses[preview.part], view, steps)
            rs.labels.append(Label(centre, text, rgba))
        for zone in state.magnet_zones:
            add_lines(self._zone_rings(zone.centre, zone.radius_m), MAGNET_COLOR)
            add_lines(ring_segments(zone.centre, zone.position_tol_m, self._up()), TOLERANCE_COLOR)
        self._inspection_points(state, params, add_lines, add_points)
        if state.measurement.points:
            pts = np.array(state.measurement.points)
            add_points(pts, self.scene_radius * 0.012, (1.0, 1.0, 0.3, 1.0))
            if len(pts) >= 2:
                add_lines(np.stack([pts[:-1], pts[1:]], axis=1), (1.0, 1.0, 0.3, 1.0))
        if frame is not None:
            self._hands(state, frame, params, active_hands, add_lines, add_points)
            if frame.gaze.confidence >= GAZE_MIN_CONFIDENCE and state.gaze_hit is not None:
                # a dot in a ring facing the eyes: drawn through parts like the hands
                toward_eye = frame.gaze.origin - state.gaze_hit
                add_points(state.gaze_hit, self.scene_radius * 0.008, GAZE_COLOR)
                if float(np.linalg.norm(toward_eye)) > 1e-9:
                    add_lines(ring_segments(state.gaze_hit, self.scene_radius * 0.025, toward_eye, 20), GAZE_COLOR)
        if lines:
            rs.lines = np.concatenate(lines)
            rs.line_colors = np.concatenate(line_colors)
        if points:
            rs.points = np.concatenate(points)
            rs.point_radii = np.concatenate(radii).astype(np.float32)
            rs.point_colors = np.concatenate(point_colors).astype(np.float32)
        return rs

    # -- pieces ------------------------------------------------------------------------------
    def _up(self) -> np.ndarray:
        return np.array([0.0, 1.0, 0.0])

    def _zone_rings(self, centre: np.ndarray, radius: float) -> np.ndarray:
        return np.concatenate([ring_segments(centre, radius, axis) for axis in np.eye(3)])

    def _highlights(self, state: EngineState, params: InteractionParams) -> dict[str, Highlight]:
        out: dict[str, Highlight] = {p: Highlight.SNAPPED for p in state.snapped}
        if params.highlight is not HighlightStyle.NONE:
            for p in state.hovered:
                if p:
                    out[p] = Highlight.HOVER
            if state.gaze_selected and state.gaze_selected not in state.snapped:
                out[state.gaze_selected] = Highlight.SELECTED
        for p in state.held:
            if p:
                out[p] = Highlight.GRABBED
        for a, b in state.colliding:
            out[a] = out[b] = Highlight.ERROR
        return out

    def part_centre(self, part: str, pose: np.ndarray) -> np.ndarray:
        """(3,) world centre of ``part``'s box when its node is at world ``pose``."""
        local = self._centres.get(part)
        if local is None:
            scene = self.scene
            p = scene.part(part)
            bounds = scene.node_bounds(scene.part_nodes(p))
            centre = np.zeros(3) if bounds is None else (bounds[0] + bounds[1]) / 2
            inv = np.linalg.inv(scene.world_matrix(p.node))
            local = self._centres[part] = inv[:3, :3] @ centre + inv[:3, 3]
            self._sizes[part] = 0.0 if bounds is None else float(np.max(bounds[1] - bounds[0]))
        return pose[:3, :3] @ local + pose[:3, 3]

    def label_position(self, state: EngineState, part: str | None, point: str | None) -> np.ndarray | None:
        """Where a feedback label about ``part`` / ``point`` goes (neither: the scene's
        centre)."""
        if point is not None:
            p = state.points.get(point)
            return None if p is None else p.position
        if part is not None:
            pose = state.part_poses.get(part)
            return None if pose is None else self.part_centre(part, pose)
        bounds = self.scene.bounds
        return None if bounds is None else (bounds[0] + bounds[1]) / 2

    def part_name(self, part: str) -> str:
        return self._names.get(part, part)

    def _drop_line(self, part: str, centre: np.ndarray, add_lines, add_points) -> None:
        """A plumb line from the carried part's centre to the surface below it, with a
        ring where it lands: the depth cue a mouse user lacks."""
        if self.index is None:
            return
        hit = self.index.ray_point(centre, np.array([0.0, -1.0, 0.0]), 10.0 * self.scene_radius, exclude=(part,))
        if hit is None:
            return
        add_lines(np.stack([centre, hit.point]), DROP_LINE_COLOR)
        ring = max(self._sizes.get(part, 0.0) * 0.35, self.scene_radius * 0.01)
        add_lines(ring_segments(hit.point, ring, self._up(), 24), DROP_LINE_COLOR)

    def _ghosts(self, state: EngineState, held: set[str], previews: Sequence[ReleasePreview] = ()) -> list:
        ghosts = []
        zone_parts = {z.part for z in state.magnet_zones}
        tint = {(p.part, p.slot): GHOST_PREVIEW_COLORS[p.outcome] for p in previews if p.outcome in GHOST_PREVIEW_COLORS}
        for zone in state.magnet_zones:
            ghosts.append((zone.part, zone.target, tint.get((zone.part, zone.slot), GHOST_HELD_COLOR)))
        if state.steps:
            wanted = [
                p
                for s in state.steps.values()
                if s.available and not s.done
                for p in self.step_parts.get(s.id, ())
            ]
        else:
            wanted = list(self.targets)
        for part in wanted:
            if part in state.snapped or part in zone_parts or part not in self.targets:
                continue
            ghosts.append(
                (part, self.targets[part], GHOST_HELD_COLOR if part in held else GHOST_COLOR)
            )
        return ghosts

    def _inspection_points(self, state, params, add_lines, add_points) -> None:
        radius = params.inspection_radius_mm / 1000.0
        for p in state.points.values():
            color = VERDICT_COLORS.get(p.verdict, VERDICT_COLORS[None])
            if p.verdict is None and p.seen:
                color = SEEN_COLOR
            add_points(p.position, radius * 0.5, color)
            add_lines(np.stack([p.position, p.position + p.normal * radius * 2]), color)
            add_lines(
                ring_segments(p.position + p.normal * radius * 0.05, radius, p.normal, 24), color
            )
            if not p.seen and p.dwell > 0.0 and params.dwell_time_s > 0.0:
                fill = min(p.dwell / params.dwell_time_s, 1.0)
                for k in (1.15, 1.25):  # a thick arc, readable at a glance
                    add_lines(ring_segments(p.position + p.normal * radius * 0.05, radius * k, p.normal,
                                            max(2, round(32 * fill)), fill), DWELL_COLOR)

    def _hands(self, state, frame: InputFrame, params, active_hands, add_lines, add_points) -> None:
        for h, hand in enumerate(frame.hands):
            if not hand.tracked:
                continue
            rgb = HAND_COLORS[Hand(h)]
            alpha = 1.0 if h in active_hands else 0.45
            if hand.joints is not None:
                j = hand.joints[:, :3]
                add_lines(np.stack([j[_BONES[:, 0]], j[_BONES[:, 1]]], axis=1), (*rgb, alpha))
                add_points(j, hand.joints[:, 7] * _JOINT_DRAW_SCALE, (*rgb, alpha))
            else:
                add_points(hand.grip[:3], self.scene_radius * 0.02, (*rgb, alpha))
            origin = hand.aim[:3]
            hit = state.ray_hits[h]
            if hit is None:
                forward = -quat_to_matrix(hand.aim[3:7])[:, 2]
                end = origin + forward * params.ray_max_length_m
                ray_alpha = 0.35 * alpha
            else:
                end = hit
                ray_alpha = 0.9 * alpha
                add_points(hit, self.scene_radius * 0.01, (*rgb, ray_alpha))
            if state.held[h] is None:
                add_lines(np.stack([origin, end]), (1.0, 1.0, 1.0, ray_alpha))
