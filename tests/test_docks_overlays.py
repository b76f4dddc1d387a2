"""Overlays: engine state + a real desktop-device frame -> RenderState (values checked)."""

from __future__ import annotations

import numpy as np
import pytest

from devices.desktop import DesktopDevice
from interaction.params import HighlightStyle, InteractionParams
from interaction.state import EngineState, MagnetZone, PointState, StepState
from scenes.transforms import look_at, pose_to_matrix
from views.overlays import HAND_BONES, OverlayBuilder, ring_segments
from views.render_state import Highlight


def _builder(scene):
    targets = {p.id: scene.world_matrix(p.node) for p in scene.parts}
    steps = {"s1": [scene.parts[0].id], "s2": [scene.parts[1].id]}
    return OverlayBuilder(scene, targets, steps)


def _frame():
    dev = DesktopDevice(
        head=look_at(np.array([0.1, 0.3, 0.4]), np.array([0.1, 0.0, -0.07])), reach=0.3
    )
    dev.on_mouse_move(0.1, -0.1)
    return dev.poll(0.0)


def test_highlight_priorities(as1):
    a, b, c, d = (p.id for p in as1.parts[:4])
    state = EngineState(hovered=[a, None], held=[None, b], snapped={c: c}, colliding={(b, d)})
    rs = _builder(as1).build(state, None, InteractionParams())
    assert rs.highlights == {
        a: Highlight.HOVER,
        b: Highlight.ERROR,
        c: Highlight.SNAPPED,
        d: Highlight.ERROR,
    }
    state.colliding = set()
    rs = _builder(as1).build(state, None, InteractionParams(highlight=HighlightStyle.NONE))
    assert rs.highlights == {b: Highlight.GRABBED, c: Highlight.SNAPPED}


def test_ghosts_for_available_steps_and_magnet_zones(as1):
    p0, p1 = as1.parts[0].id, as1.parts[1].id
    target = as1.world_matrix(as1.parts[1].node)
    steps = {
        "s1": StepState("s1", "", [p0], [], available=True),
        "s2": StepState("s2", "", [p1], ["s1"], available=False),
    }
    state = EngineState(steps=steps)
    rs = _builder(as1).build(state, None, InteractionParams())
    assert [g[0] for g in rs.ghosts] == [p0]
    zone = MagnetZone(
        part=p1, slot=p1, target=target, centre=target[:3, 3], radius_m=0.03, position_tol_m=0.005
    )
    state = EngineState(steps=steps, held=[None, p1], magnet_zones=[zone])
    rs = _builder(as1).build(state, None, InteractionParams())
    assert {g[0] for g in rs.ghosts} == {p0, p1}
    # three great circles of the magnet radius + one tolerance ring, centred on the zone
    ends = rs.lines[:, 0, :].astype(float)
    dist = np.linalg.norm(ends - zone.centre, axis=1)
    assert np.sum(np.isclose(dist, 0.03, atol=1e-6)) == 3 * 32
    assert np.sum(np.isclose(dist, 0.005, atol=1e-6)) == 32
    steps["s1"].done = True
    rs = _builder(as1).build(EngineState(steps=steps), None, InteractionParams())
    assert rs.ghosts == []


def test_hands_rays_and_gaze(as1):
    frame = _frame()
    hit = frame.right.aim[:3] + np.array([0.0, -0.05, -0.1])
    state = EngineState(ray_hits=[None, hit], gaze_hit=np.array([0.1, 0.0, -0.07]))
    rs = _builder(as1).build(state, frame, InteractionParams(ray_max_length_m=2.0))
    # 26 joints per hand, one sphere at the ray hit, one gaze sphere in a ring of 20 segments
    assert len(rs.points) == 26 * 2 + 1 + 1
    np.testing.assert_allclose(rs.points[:26], frame.left.joints[:, :3])
    assert len(rs.lines) == 2 * len(HAND_BONES) + 2 + 20
    ring = rs.lines[-20:].reshape(-1, 3).astype(float)
    np.testing.assert_allclose(np.linalg.norm(ring - state.gaze_hit, axis=1), 0.025 * _builder(as1).scene_radius, rtol=1e-5)
    nb = len(HAND_BONES)  # per hand: its bones, then its ray
    rays = rs.lines[[nb, 2 * nb + 1]].astype(float)
    left_forward = -pose_to_matrix(frame.left.aim)[:3, 2]
    np.testing.assert_allclose(rays[0, 1], frame.left.aim[:3] + 2.0 * left_forward, atol=1e-5)
    np.testing.assert_allclose(rays[1], [frame.right.aim[:3], hit], atol=1e-6)
    assert rs.line_colors[nb, 3] < rs.line_colors[2 * nb + 1, 3]  # a ray that hits is brighter
    # the active (right) hand is opaque, the other one faded
    assert rs.point_colors[0, 3] < rs.point_colors[26, 3] == 1.0
    # holding hides the ray
    state.held = [None, as1.parts[0].id]
    assert (
        len(_builder(as1).build(state, frame, InteractionParams()).lines)
        == 2 * len(HAND_BONES) + 1 + 20
    )


def test_inspection_markers_follow_verdicts(as1):
    pos, normal = np.array([0.05, 0.08, -0.05]), np.array([0.0, 1.0, 0.0])
    state = EngineState(
        points={
            "P1": PointState("P1", "", pos, normal),
            "P2": PointState("P2", "", pos + 0.02, normal, seen=True),
            "P3": PointState("P3", "", pos - 0.02, normal, verdict="fail"),
        }
    )
    rs = _builder(as1).build(state, None, InteractionParams(inspection_radius_mm=10.0))
    np.testing.assert_allclose(rs.points, [pos, pos + 0.02, pos - 0.02], atol=1e-6)
    assert rs.point_radii[0] == pytest.approx(0.005)
    colors = rs.point_colors
    assert colors[2][0] > 0.9 and colors[2][1] < 0.3  # fail is red
    assert not np.allclose(colors[0], colors[1])  # seen differs from unseen


def test_ring_segments_lie_on_the_circle():
    segs = ring_segments(np.array([1.0, 2.0, 3.0]), 0.5, np.array([0.0, 0.0, 2.0]), n=12)
    assert segs.shape == (12, 2, 3)
    np.testing.assert_allclose(np.linalg.norm(segs[:, 0] - [1, 2, 3], axis=1), 0.5)
    np.testing.assert_allclose(segs[:, :, 2], 3.0)
