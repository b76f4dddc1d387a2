"""The disassembly planner (scenes.disassembly) on small models built here with trimesh,
whose answers are worked out by hand: which part can leave first, along which direction,
and what the reversed sequence then requires."""

from __future__ import annotations

import math
import time

import numpy as np
import trimesh

from scenes.auto_scenario import propose_order
from scenes.disassembly import plan_disassembly
from scenes.model import Mesh, Node, Primitive, Scene


def _scene(parts: dict[str, trimesh.Trimesh], world: np.ndarray | None = None) -> Scene:
    """One node per part, all under a root node carrying ``world``."""
    nodes = [Node(index=0, name="root", path="root", local=np.eye(4) if world is None else world)]
    meshes = []
    for name, mesh in parts.items():
        k = len(meshes)
        meshes.append(Mesh(name, [Primitive(mesh.vertices.astype(np.float32), mesh.faces.astype(np.uint32))]))
        nodes.append(Node(index=k + 1, name=name, path=f"root/{name}", local=np.eye(4), parent=0, mesh=k))
        nodes[0].children.append(k + 1)
    return Scene("synthetic.glb", nodes, meshes, [])


def _slabs(*boxes: tuple[list[float], list[float]]) -> trimesh.Trimesh:
    """One part made of axis-aligned slabs (metres)."""
    return trimesh.util.concatenate([trimesh.creation.box(bounds=[lo, hi]) for lo, hi in boxes])


def _box_lid_peg() -> dict[str, trimesh.Trimesh]:
    """An open box (100 x 60 x 100 mm, 10 mm walls); a lid on its walls with a 12 mm square
    hole; a peg standing on the floor, its 60 mm square head inside the box, its 10 mm
    shaft up through the lid's hole (1 mm clearance all round) and 20 mm out of it."""
    box = _slabs(([0, 0, 0], [0.1, 0.01, 0.1]),
                 ([0, 0.01, 0], [0.01, 0.06, 0.1]), ([0.09, 0.01, 0], [0.1, 0.06, 0.1]),
                 ([0.01, 0.01, 0], [0.09, 0.06, 0.01]), ([0.01, 0.01, 0.09], [0.09, 0.06, 0.1]))
    lid = _slabs(([0, 0.06, 0], [0.044, 0.07, 0.1]), ([0.056, 0.06, 0], [0.1, 0.07, 0.1]),
                 ([0.044, 0.06, 0], [0.056, 0.07, 0.044]), ([0.044, 0.06, 0.056], [0.056, 0.07, 0.1]))
    peg = _slabs(([0.02, 0.01, 0.02], [0.08, 0.02, 0.08]), ([0.045, 0.02, 0.045], [0.055, 0.09, 0.055]))
    return {"lid": lid, "peg": peg, "box": box}


def _rotation(z_deg: float, x_deg: float) -> np.ndarray:
    a, b = math.radians(z_deg), math.radians(x_deg)
    rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    m = np.eye(4)
    m[:3, :3] = rx @ rz
    return m


def test_box_lid_peg_comes_apart_lid_first_and_goes_together_box_peg_lid():
    """By hand: the peg's head is under the lid and its shaft in the lid's hole, so the peg
    is stuck until the lid is gone; the lid lifts off along its normal (its hole slides
    up the shaft; resting on the walls does not hold it). Then the peg leaves along its
    axis, then the box. Assembly: box, peg (stands on the box), lid (would block the peg's
    way in; it also rests on the box, but that is implied through the peg)."""
    plan = plan_disassembly(_scene(_box_lid_peg()), ["root/lid", "root/peg", "root/box"])
    assert [r.part for r in plan.removals] == ["root/lid", "root/peg", "root/box"]
    assert not any(r.blocked for r in plan.removals)
    up = np.array([0.0, 1.0, 0.0])
    np.testing.assert_allclose(plan.removals[0].direction, up, atol=1e-9)
    np.testing.assert_allclose(plan.removals[1].direction, up, atol=1e-9)
    assert plan.order == [("root/box", []), ("root/peg", ["root/box"]), ("root/lid", ["root/peg"])]


def test_a_tilted_assembly_leaves_along_the_parts_own_axes():
    """The same model turned 30 deg about Z and 20 deg about X: no world axis frees the lid
    or the peg any more (the shaft through the hole, the head against the walls), their
    own axes do: the lid's normal and the peg's axis, both the turned +Y."""
    world = _rotation(30, 20)
    axis = world[:3, :3] @ np.array([0.0, 1.0, 0.0])
    plan = plan_disassembly(_scene(_box_lid_peg(), world), ["root/lid", "root/peg", "root/box"])
    assert [r.part for r in plan.removals] == ["root/lid", "root/peg", "root/box"]
    assert not any(r.blocked for r in plan.removals)
    for removal in plan.removals[:2]:
        assert float(removal.direction @ axis) > 0.999, (removal.part, removal.direction)
    assert plan.order == [("root/box", []), ("root/peg", ["root/box"]), ("root/lid", ["root/peg"])]


def test_a_press_fit_holds_no_more_than_the_overlap_already_there():
    """A hub pressed on the end of a shaft (its bore 0.6 mm under the shaft's diameter,
    deeper than the 0.5 mm contact tolerance; the shaft's end flush with the hub's top).
    By hand: the overlap is in the model; sliding the shaft down out of the hub, or the hub
    up off the shaft's end, adds none, so both are free that way; any other way the shaft
    cuts into fresh hub material. The shaft, smaller, leaves first, along -Z (+Y, -X and
    +Z are blocked); the hub then leaves along +Y."""
    shaft = trimesh.creation.cylinder(radius=0.0056, height=0.04, sections=64)  # z in [-20, 20] mm
    hub = trimesh.creation.annulus(r_min=0.005, r_max=0.02, height=0.01, sections=64)
    hub.apply_translation([0, 0, 0.015])  # z in [10, 20] mm
    plan = plan_disassembly(_scene({"hub": hub, "shaft": shaft}), ["root/hub", "root/shaft"])
    assert [(r.part, r.blocked) for r in plan.removals] == [("root/shaft", False), ("root/hub", False)]
    np.testing.assert_allclose(plan.removals[0].direction, [0, 0, -1], atol=1e-9)
    np.testing.assert_allclose(plan.removals[1].direction, [0, 1, 0], atol=1e-9)
    assert plan.order == [("root/hub", []), ("root/shaft", ["root/hub"])]


def test_interlocked_parts_are_released_anyway_without_hanging():
    """Two linked rings: neither can leave along any straight line. The planner releases
    one of them anyway, says which part it cuts through, and goes on."""
    a = trimesh.creation.torus(major_radius=0.05, minor_radius=0.008)
    b = trimesh.creation.torus(major_radius=0.05, minor_radius=0.008)
    b.apply_transform(trimesh.transformations.rotation_matrix(math.pi / 2, [1, 0, 0]))
    b.apply_translation([0.05, 0, 0])
    scene = _scene({"ring_a": a, "ring_b": b})
    ids = ["root/ring_a", "root/ring_b"]
    start = time.perf_counter()
    plan = plan_disassembly(scene, ids)
    assert time.perf_counter() - start < 10
    first, second = plan.removals
    assert first.blocked and first.blockers == [second.part]
    assert not second.blocked and not second.blockers
    assert sorted(pid for pid, _ in propose_order(scene, ids)) == ids


def test_parts_without_triangles_and_empty_lists_do_not_raise():
    empty = Mesh("empty", [Primitive(np.zeros((0, 3), np.float32), np.zeros((0, 3), np.uint32))])
    nodes = [Node(index=0, name="a", path="a", local=np.eye(4), mesh=0)]
    scene = Scene("empty.glb", nodes, [empty], [])
    assert plan_disassembly(scene, []).order == []
    assert plan_disassembly(scene, ["a"]).order == [("a", [])]


def test_as1_order_respects_what_holds_what():
    """AS1 by hand: the bolts go through the brackets' feet and the plate, a nut under the
    plate on each; the rod runs through both brackets, over the first bolt of each, with a
    nut on each end. So: plate first; a bracket before its bolts, a bolt before its nut,
    the bolts under the rod before the rod, the rod before its nuts."""
    from scenes.loader import load_scene
    from tests.conftest import AS1

    scene = load_scene(AS1)
    order = propose_order(scene, [p.id for p in scene.parts])
    at = {pid: k for k, (pid, _) in enumerate(order)}
    requires = dict(order)
    assert order[0] == ("as1/plate", [])
    for b in (0, 1):
        bracket = f"as1/l-bracket-assembly[{b}]/l-bracket"
        assert at["as1/plate"] < at[bracket]
        for k in range(3):
            bolt, nut = (f"as1/l-bracket-assembly[{b}]/nut-bolt-assembly[{k}]/{x}" for x in ("bolt", "nut"))
            assert at[bracket] < at[bolt] < at[nut]
            assert requires[nut] == [bolt]
    rod = "as1/rod-assembly/rod"
    assert sorted(requires[rod]) == [f"as1/l-bracket-assembly[{b}]/nut-bolt-assembly[0]/bolt" for b in (0, 1)]
    for k in (0, 1):
        assert requires[f"as1/rod-assembly/nut[{k}]"] == [rod]
