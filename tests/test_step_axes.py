"""What xrjig takes from CAD: cylinder axes (scenes/cad_axes.py) as the auto scenario's
insertion directions and as symmetry axes for snapping; the auto scenario of the STEP
AS1 completes under ``xrjig check``."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from app.cli import main
from interaction.part_geometry import scene_geometry
from interaction.symmetry import symmetry_rotations
from scenes.cad_axes import cylinder_axes, hinted_axes
from scenes.disassembly import plan_disassembly
from scenes.loader import load_scene
from scenes.part_layout import solid_parts
from tests.conftest import AS1_STEP, PM4, PM4_STEP


def _tube(sections: int = 32, turn: float = 2 * np.pi, axis=(0.0, 0.0, 1.0)):  # type: ignore[no-untyped-def]
    """A cylinder's side of radius 5 mm and length 40 mm about ``axis`` through (1, 2, 3) mm,
    ``turn`` radians of it; one B-rep face."""
    angles = np.linspace(0, turn, sections + 1)[: sections + (turn < 2 * np.pi)]
    ring = np.stack([5e-3 * np.cos(angles), 5e-3 * np.sin(angles)], axis=1)
    n = len(ring)
    verts = np.concatenate([np.column_stack([ring, np.zeros(n)]), np.column_stack([ring, np.full(n, 0.04)])])
    k = np.arange(n if turn >= 2 * np.pi else n - 1)
    nxt = (k + 1) % n
    faces = np.concatenate([np.stack([k, nxt, k + n], 1), np.stack([nxt, nxt + n, k + n], 1)])
    z = np.asarray(axis, float) / np.linalg.norm(axis)
    x = np.cross(z, (1.0, 0.0, 0.0) if abs(z[0]) < 0.9 else (0.0, 1.0, 0.0))
    x /= np.linalg.norm(x)
    frame = np.stack([x, np.cross(z, x), z], axis=1)
    return verts @ frame.T + (1e-3, 2e-3, 3e-3), faces


@pytest.mark.parametrize("axis", [(0, 0, 1), (1, 1, 0), (-0.3, 0.2, 0.9)])
def test_a_tessellated_cylinder_face_is_fitted(axis):
    verts, faces = _tube(axis=axis)
    found = cylinder_axes(verts, faces, np.zeros(len(faces), int), [None])
    assert len(found) == 1
    expected = np.asarray(axis, float) / np.linalg.norm(axis)
    assert abs(np.dot(found[0].direction, expected)) > np.cos(np.radians(0.5))
    assert found[0].radius == pytest.approx(5e-3, rel=0.01)
    arm = np.subtract(found[0].point, (1e-3, 2e-3, 3e-3))
    assert np.linalg.norm(arm - (arm @ expected) * expected) < 1e-5  # a point on the axis


def test_fillets_flats_and_boxes_are_no_axis():
    quarter, faces = _tube(turn=np.pi / 2)  # a fillet along an edge
    assert cylinder_axes(quarter, faces, np.zeros(len(faces), int), [None]) == []
    box = trimesh.creation.box((0.01, 0.02, 0.03))
    assert cylinder_axes(box.vertices, box.faces, np.arange(len(box.faces)) // 2, [None] * 6) == []
    sphere = trimesh.creation.icosphere(2, 0.01)
    assert cylinder_axes(sphere.vertices, sphere.faces, np.zeros(len(sphere.faces), int), [None]) == []


def test_two_half_faces_of_a_hole_make_one_feature_and_analytic_faces_are_read():
    verts, faces = _tube()
    half = np.arange(len(faces)) % 32 >= 16  # the two halves of the side, as CAD splits a hole
    found = cylinder_axes(verts, faces, half.astype(int), [None, None])
    assert len(found) == 1
    spec = {"type": "cylinder", "axis": [0, 2, 0], "origin": [0, 0, 0], "radius": 0.005,
            "extent_angle": [0, 3.2]}
    found = cylinder_axes(verts, faces, np.zeros(len(faces), int), [spec])
    assert [a.direction for a in found] == [(0.0, 1.0, 0.0)]


@pytest.fixture(scope="module")
def as1_step():
    return load_scene(AS1_STEP)


@pytest.fixture(scope="module")
def pm4_step():
    return load_scene(PM4_STEP)


def test_bolts_and_nuts_point_along_their_shanks(as1_step):
    """The bolt's CAD axis is its long direction; a nut's is its bore, through its thin side."""
    for part in as1_step.parts:
        name = as1_step.nodes[part.node].name
        if name not in ("bolt", "nut", "rod"):
            continue
        axes = hinted_axes(as1_step, [part.node], np.eye(4))
        assert len(axes) == 1, part.id
        size = np.ptp(as1_step.node_bounds([part.node]), axis=0)
        along = int(np.argmax(np.abs(axes[0])))
        assert abs(axes[0][along]) > 0.999, part.id
        expected = int(np.argmax(size)) if name in ("bolt", "rod") else int(np.argmin(size))
        assert along == expected, (part.id, size, axes)


@pytest.mark.parametrize("model", ["as1", "pm4"])
def test_the_auto_scenario_inserts_parts_along_their_cad_axes(as1_step, pm4_step, model):
    scene = {"as1": as1_step, "pm4": pm4_step}[model]
    parts = solid_parts(scene)
    plan = plan_disassembly(scene, parts)
    hinted = 0
    for removal in plan.removals:
        axes = hinted_axes(scene, scene.part_nodes(scene.part(removal.part)), np.eye(4))
        if not len(axes) or removal.blocked:
            continue
        hinted += 1
        assert np.abs(axes @ removal.direction).max() > 0.999, removal.part
    assert hinted == {"as1": 18, "pm4": 14}[model]  # PM4: all but the 18 balls


def test_without_cad_the_pm4_rod_leaves_sideways():
    """The same plan on the GLB guesses (world axes first): the rod, last out, leaves
    along +Y, across its axis -- what the CAD axis corrects."""
    glb = load_scene(PM4)
    direction = plan_disassembly(glb, solid_parts(glb)).direction("Rotor_Pump_Assembly/Rotor_Assembly/Rod")
    np.testing.assert_allclose(direction, (0, 1, 0), atol=1e-9)


def test_snapping_symmetry_turns_about_the_cad_axis(pm4_step):
    geometry = scene_geometry(pm4_step)
    bolt = geometry["Rotor_Pump_Assembly/Pulley/Bolt[0]"].shape
    rotations = symmetry_rotations(bolt, 0.2e-3)
    assert len(rotations) >= 32
    axis = bolt.axes[0]
    for r in rotations[1:]:
        np.testing.assert_allclose(r @ axis, axis, atol=1e-9)  # turns about its shank
    # a ball is round every way, though its facets at 0.1 mm are not: the known
    # tessellation error lets the symmetry search see past them
    ball = geometry["Rotor_Pump_Assembly/Rotor_Assembly/Bearing/9_Spheres_1/Sphere[0]"].shape
    assert ball.slack == pytest.approx(1e-4)
    assert len(symmetry_rotations(ball, 0.076e-3)) > 64


def test_auto_scenario_of_the_step_as1_completes_under_check(capsys):
    assert main(["check", str(AS1_STEP)]) == 0
    out = capsys.readouterr().out
    assert "18 movable parts, 18 steps" in out and "result: COMPLETED" in out
