"""SceneIndex against trimesh's own ray and proximity queries on the same real geometry."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from trimesh.ray.ray_pyembree import RayMeshIntersector

from scenes.index import SceneIndex
from scenes.loader import load_scene
from scenes.model import SceneError
from scenes.transforms import pose_to_matrix, quat_from_axis_angle
from tests.conftest import AS1, CTC02, PM4


def part_mesh(scene, part, pose=None) -> trimesh.Trimesh:
    """World trimesh of a part (its node and descendants), optionally re-posed."""
    world_part = scene.world_matrix(part.node)
    move = np.eye(4) if pose is None else pose @ np.linalg.inv(world_part)
    meshes = []
    for i in scene.part_nodes(part):
        node = scene.nodes[i]
        if node.mesh is None:
            continue
        for prim in scene.meshes[node.mesh].primitives:
            if prim.mode == "triangles":
                m = trimesh.Trimesh(prim.positions, prim.indices, process=False)
                meshes.append(m.apply_transform(move @ scene.world_matrix(i)))
    return trimesh.util.concatenate(meshes) if meshes else None


def reference(scene, poses=None, skip=()):
    """(combined mesh, face -> part id) for the posed scene, the way trimesh would see it."""
    meshes, owner = [], []
    for part in scene.parts:
        if part.id in skip:
            continue
        m = part_mesh(scene, part, (poses or {}).get(part.id))
        if m is not None:
            meshes.append(m)
            owner += [part.id] * len(m.faces)
    return trimesh.util.concatenate(meshes), np.array(owner)


def surface_distance(mesh, point) -> float:
    """Brute force over every triangle (trimesh.proximity.closest_point prunes candidates)."""
    closest = trimesh.triangles.closest_point(
        mesh.triangles, np.repeat(point[None], len(mesh.faces), axis=0)
    )
    return float(np.linalg.norm(closest - point, axis=1).min())


def random_rays(scene, n, seed=0):
    rng = np.random.default_rng(seed)
    center = scene.bounds.mean(0)
    size = np.linalg.norm(scene.bounds[1] - scene.bounds[0])
    d = rng.normal(size=(n, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    o = center - d * size + rng.normal(size=(n, 3)) * size * 0.15
    return o, d


def trimesh_first_hits(mesh, origins, directions):
    loc, ray_idx, tri_idx = RayMeshIntersector(mesh).intersects_location(
        origins, directions, multiple_hits=False
    )
    dist = np.full(len(origins), np.inf)
    tri = np.full(len(origins), -1)
    dist[ray_idx] = np.linalg.norm(loc - origins[ray_idx], axis=1)
    tri[ray_idx] = tri_idx
    return dist, tri


def distances(hits):
    return np.array([np.inf if h is None else h.distance for h in hits])


@pytest.fixture(scope="module")
def pm4():
    scene = load_scene(PM4)
    return scene, SceneIndex(scene)


@pytest.mark.parametrize("path", [AS1, PM4], ids=["AS1", "PM4"])
def test_rays_match_trimesh_embree(path):
    scene = load_scene(path)
    index = SceneIndex(scene)
    origins, dirs = random_rays(scene, 400)
    mesh, owner = reference(scene)
    ref_dist, ref_tri = trimesh_first_hits(mesh, origins, dirs)
    batched = index.rays(origins, dirs)
    single = [index.ray(o, d) for o, d in zip(origins, dirs, strict=True)]
    assert np.isfinite(ref_dist).sum() > 200
    for hits in (batched, single):
        ours = distances(hits)
        assert np.array_equal(np.isfinite(ours), np.isfinite(ref_dist))
        hit = np.isfinite(ref_dist)
        np.testing.assert_allclose(ours[hit], ref_dist[hit], atol=2e-5)
        parts = np.array([h.part if h else "" for h in hits])
        # same part as trimesh unless two parts touch at the hit point
        assert np.mean(parts[hit] == owner[ref_tri[hit]]) > 0.97
    for h in batched:
        if h is not None:
            np.testing.assert_allclose(np.linalg.norm(h.normal), 1.0, atol=1e-9)
            assert h.node in scene.part_nodes(scene.part(h.part))


def test_moving_a_part_moves_its_hits(pm4):
    scene, index = pm4
    origins, dirs = random_rays(scene, 300, seed=1)
    rotation = quat_from_axis_angle(np.array([0.3, 1.0, 0.2]), 0.7)
    poses = {}
    for part in scene.parts[:: max(1, len(scene.parts) // 5)]:
        world = scene.world_matrix(part.node)
        pose = pose_to_matrix(np.concatenate([world[:3, 3] + [0.03, -0.02, 0.05], rotation]))
        pose[:3, :3] = pose[:3, :3] @ world[:3, :3]
        poses[part.id] = pose
        index.set_part_pose(part.id, pose)
    try:
        np.testing.assert_allclose(index.part_pose(next(iter(poses))), next(iter(poses.values())))
        mesh, owner = reference(scene, poses)
        ref_dist, ref_tri = trimesh_first_hits(mesh, origins, dirs)
        for hits in (
            index.rays(origins, dirs),
            [index.ray(o, d) for o, d in zip(origins, dirs, strict=True)],
        ):
            ours = distances(hits)
            assert np.array_equal(np.isfinite(ours), np.isfinite(ref_dist))
            hit = np.isfinite(ref_dist)
            np.testing.assert_allclose(ours[hit], ref_dist[hit], atol=2e-5)
        moved_hits = sum(h is not None and h.part in poses for h in hits)
        assert moved_hits > 10
        bounds = index.part_world_bounds(next(iter(poses)))
        ref_bounds = part_mesh(
            scene, scene.part(next(iter(poses))), next(iter(poses.values()))
        ).bounds
        assert np.all(bounds[0] <= ref_bounds[0] + 1e-6) and np.all(
            bounds[1] >= ref_bounds[1] - 1e-6
        )
    finally:
        index.reset_poses()
    assert distances(index.rays(origins[:50], dirs[:50])) == pytest.approx(
        trimesh_first_hits(reference(scene)[0], origins[:50], dirs[:50])[0]
    )


def test_translating_a_part_shifts_the_hit_point(pm4):
    scene, index = pm4
    part = max(scene.parts, key=lambda p: scene.meshes[scene.nodes[p.node].mesh].triangle_count)
    center = index.part_world_bounds(part.id).mean(0)
    origin = center + [0.0, 1.0, 0.0]
    others = [p.id for p in scene.parts if p.id != part.id]
    before = index.ray(origin, [0, -1, 0], exclude=others)
    assert before is not None and before.part == part.id
    shift = np.array([0.5, 0.0, 0.25])
    pose = scene.world_matrix(part.node).copy()
    pose[:3, 3] += shift
    index.set_part_pose(part.id, pose)
    try:
        after = index.ray(origin + shift, [0, -1, 0], exclude=others)
        assert after is not None and after.part == part.id
        np.testing.assert_allclose(after.point, before.point + shift, atol=1e-6)
        np.testing.assert_allclose(after.normal, before.normal, atol=1e-6)
        missed = index.ray(origin, [0, -1, 0], exclude=others)
        assert missed is None or np.linalg.norm(missed.point - before.point) > 1e-4
    finally:
        index.reset_poses()


def test_excluded_parts_are_ignored(pm4):
    scene, index = pm4
    origins, dirs = random_rays(scene, 200, seed=2)
    first = [h.part for h in index.rays(origins, dirs) if h is not None]
    skip = {max(set(first), key=first.count)}
    mesh, _ = reference(scene, skip=skip)
    ref_dist, _ = trimesh_first_hits(mesh, origins, dirs)
    hits = [index.ray(o, d, exclude=skip) for o, d in zip(origins, dirs, strict=True)]
    assert all(h is None or h.part not in skip for h in hits)
    ours = distances(hits)
    assert np.array_equal(np.isfinite(ours), np.isfinite(ref_dist))
    np.testing.assert_allclose(ours[np.isfinite(ours)], ref_dist[np.isfinite(ref_dist)], atol=2e-5)


def test_max_distance_limits_hits(pm4):
    scene, index = pm4
    origins, dirs = random_rays(scene, 50, seed=3)
    for o, d in zip(origins, dirs, strict=True):
        full = index.ray(o, d)
        if full is None:
            continue
        assert index.ray(o, d, max_distance=full.distance * 0.99) is None
        assert index.ray(o, d, max_distance=full.distance * 1.01).part == full.part


def test_parts_near_matches_trimesh_closest_point(pm4):
    scene, index = pm4
    rng = np.random.default_rng(4)
    lo, hi = scene.bounds
    points = lo + rng.random((15, 3)) * (hi - lo)
    radius = 0.02
    meshes = {p.id: part_mesh(scene, p) for p in scene.parts}
    for point in points:
        expected = {}
        for pid, mesh in meshes.items():
            dist = surface_distance(mesh, point)
            if dist <= radius:
                expected[pid] = dist
        found = index.parts_near(point, radius)
        assert [d for _, d in found] == sorted(d for _, d in found)
        assert {pid for pid, _ in found} == set(expected)
        for pid, dist in found:
            assert dist == pytest.approx(expected[pid], abs=1e-6)
        if found:
            assert found[0][0] not in {
                pid for pid, _ in index.parts_near(point, radius, exclude={found[0][0]})
            }


def test_parts_near_follows_a_moved_part(pm4):
    scene, index = pm4
    part = scene.parts[0]
    pose = scene.world_matrix(part.node).copy()
    pose[:3, 3] += [2.0, 0.0, 0.0]
    far_point = index.part_world_bounds(part.id).mean(0) + [2.0, 0.0, 0.0]
    assert index.parts_near(far_point, 0.05) == []
    index.set_part_pose(part.id, pose)
    try:
        mesh = part_mesh(scene, part, pose)
        found = dict(index.parts_near(far_point, 0.05))
        assert found.keys() == {part.id}
        assert found[part.id] == pytest.approx(surface_distance(mesh, far_point), abs=1e-6)
    finally:
        index.reset_poses()


def test_lines_are_not_pickable():
    scene = load_scene(CTC02)
    index = SceneIndex(scene)
    compound = next(n for n in scene.nodes if n.name == "COMPOUND")
    lines = scene.meshes[compound.mesh].primitives[0]
    a, b = lines.positions[lines.indices[0]]
    mid = transform = scene.world_matrix(compound.index)
    mid = (transform[:3, :3] @ ((a + b) / 2)) + transform[:3, 3]
    normal = np.cross(b - a, [0.0, 0.0, 1.0])
    hit = index.ray(mid + normal * 0.01, -normal)
    assert hit is None or hit.node != compound.index
    assert compound.path not in {pid for pid, _ in index.parts_near(mid, 1e-3)}
    with pytest.raises(KeyError):
        index.set_part_pose("no/such/part", np.eye(4))


def test_part_scaled_to_nothing_is_refused_in_one_line(tmp_path, pm4):
    """A node scaled to zero has no inverse: the renderer's normals and every pose the engine
    moves it to need one, so the model is refused naming the node, not loaded half-usable."""
    from tests.test_scenes_untrusted import _glb, _glb_parts

    doc, rest = _glb_parts(AS1.read_bytes())
    plate = next(i for i, n in enumerate(doc["nodes"]) if n.get("name") == "plate")
    doc["nodes"][plate]["scale"] = [0.0, 0.0, 0.0]
    path = tmp_path / "flat.glb"
    path.write_bytes(_glb(doc, rest))
    with pytest.raises(SceneError, match="plate") as err:
        load_scene(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    scene, index = pm4
    with pytest.raises(ValueError, match="invertible"):
        index.set_part_pose(scene.parts[0].id, np.zeros((4, 4)))


def test_ray_point_is_ray_without_the_normal(pm4):
    """The engine's per-frame query gives the very bits ``ray`` gives, moved parts included."""
    scene, index = pm4
    origins, dirs = random_rays(scene, 200, seed=3)
    moved = scene.parts[len(scene.parts) // 2].id
    pose = index.part_pose(moved)
    pose[:3, 3] += 0.01
    index.set_part_pose(moved, pose)
    try:
        for o, d in zip(origins, dirs, strict=True):
            for exclude in ((), (moved,)):
                full, lean = index.ray(o, d, 5.0, exclude), index.ray_point(o, d, 5.0, exclude)
                assert (full is None) == (lean is None)
                if full is not None:
                    assert lean.part == full.part and lean.distance == full.distance
                    assert lean.point.tobytes() == full.point.tobytes()
    finally:
        index.reset_poses()


def test_pose_validation():
    scene = load_scene(AS1)
    index = SceneIndex(scene)
    part = scene.parts[0].id
    for bad in (np.zeros((4, 4)), np.full((4, 4), np.nan), np.eye(3)):
        with pytest.raises(ValueError):
            index.set_part_pose(part, bad)
    lopsided = np.diag([1e-200, 1e160, 1e160, 1.0])  # det 1e120, but e * i overflows: LAPACK decides
    index.set_part_pose(part, lopsided)


def test_each_triangle_goes_to_embree_once_at_load_and_a_part_again_only_once_moved(
    monkeypatch,
):
    """Embree construction is the bulk of an index build (embreex copies triangles one by
    one), so a load builds the all-parts BVH only; a part's own BVH waits for its first
    move, or for ``prepare_part``."""
    import scenes.embree_groups

    built = []
    real = scenes.embree_groups.TriangleMesh
    monkeypatch.setattr(
        scenes.embree_groups,
        "TriangleMesh",
        lambda scene, v, f=None: (built.append(len(v if f is None else f)), real(scene, v) if f is None else real(scene, v, f)),
    )
    scene = load_scene(PM4)
    index = SceneIndex(scene)
    assert sum(built) == scene.triangle_count
    built.clear()
    parts = sorted(scene.parts, key=lambda p: len(scene.part_nodes(p)))
    moved, prepared = parts[-1], parts[-2]
    center = index.part_world_bounds(moved.id).mean(0)
    assert index.ray(center + [0.0, 1.0, 0.0], [0, -1, 0]) is not None
    assert built == []  # nothing moved: the all-parts BVH answers
    pose = scene.world_matrix(moved.node).copy()
    pose[:3, 3] += [0.0, 0.0, 1e-3]
    index.set_part_pose(moved.id, pose)
    hit = index.ray(center + [0.0, 1.0, 1e-3], [0, -1, 0])
    assert hit is not None
    n_moved = sum(g.triangle_count for g in _part_triangles(scene, moved))
    assert built == [n_moved]
    index.ray(center + [0.0, 1.0, 1e-3], [0, -1, 0])
    assert built == [n_moved]  # built once, then reused
    index.prepare_part(prepared.id)
    assert built == [n_moved, sum(g.triangle_count for g in _part_triangles(scene, prepared))]


def _part_triangles(scene, part):
    """The triangle primitives of a part (its node and descendants)."""
    return [
        prim
        for i in scene.part_nodes(part)
        if scene.nodes[i].mesh is not None
        for prim in scene.meshes[scene.nodes[i].mesh].primitives
        if prim.mode == "triangles"
    ]


def test_ray_hits_arrays_are_the_rays_hits_and_the_single_rays_answers(pm4):
    """The array answer of a batch (issue 17) holds what ``rays`` and ``ray`` say, bit for
    bit, moved parts included; rays that meet nothing are -1 / NaN."""
    scene, index = pm4
    origins, dirs = random_rays(scene, 300, seed=4)
    part = max(scene.parts, key=lambda p: np.ptp(index.part_world_bounds(p.id), axis=0).prod()).id
    pose = index.part_pose(part)
    pose[:3, 3] += [0.004, 0.0, 0.002]
    index.set_part_pose(part, pose)
    try:
        arrays = index.ray_hits(origins, dirs)
        listed = index.rays(origins, dirs)
        assert arrays.hit.sum() > 150 and (~arrays.hit).sum() > 10
        for r, h in enumerate(listed):
            assert arrays.hit[r] == (h is not None)
            if h is None:
                assert arrays.slot[r] == -1 and arrays.node[r] == -1 and np.isnan(arrays.distance[r])
                assert np.isnan(arrays.point[r]).all() and np.isnan(arrays.normal[r]).all()
                continue
            assert arrays.part_ids()[r] == h.part and arrays.node[r] == h.node
            assert arrays.distance[r] == h.distance
            assert np.array_equal(arrays.point[r], h.point) and np.array_equal(arrays.normal[r], h.normal)
            single = index.ray(origins[r], dirs[r])
            # one ray goes through float32 the same way but steps its own path: within float32
            assert single.part == h.part and abs(single.distance - h.distance) < 1e-6
            np.testing.assert_allclose(single.normal, h.normal, atol=1e-9)
        assert part in set(arrays.part_ids())  # the moved part is hit where it now is
    finally:
        index.reset_poses()


def test_the_proximity_search_waits_for_its_first_need(monkeypatch):
    """A load builds only what picking needs; the all-parts proximity search is built once,
    by the first parts_near or by prepare_part (the app's warm-up), whichever comes first."""
    import scenes.index

    built = []
    real = scenes.index._NearSearch
    monkeypatch.setattr(scenes.index, "_NearSearch", lambda tris: (built.append(len(tris)), real(tris))[1])
    scene = load_scene(PM4)
    index = SceneIndex(scene)
    assert built == []
    assert index.ray(scene.bounds.mean(0) + [0.0, 1.0, 0.0], [0, -1, 0]) is not None
    assert built == []
    centre = index.part_world_bounds(scene.parts[0].id).mean(0)
    near = index.parts_near(centre, 0.05)
    assert built == [scene.triangle_count] and near
    assert index.parts_near(centre, 0.05) == near and len(built) == 1
    warmed = SceneIndex(scene)
    warmed.prepare_part(scene.parts[0].id)
    assert len(built) == 3  # the all-parts search, then the part's own
    assert warmed.parts_near(centre, 0.05) == near and len(built) == 3
