"""Ray-pick latency: SceneIndex vs trimesh's RayMeshIntersector and raw embreex.

The peers see the whole scene as ONE concatenated mesh with ONE Embree BVH (the fastest
they can be, but they cannot move a part without rebuilding); SceneIndex keeps one BVH per
part so parts can move. Measured on the real PM4 pump assembly (32 parts, 99k triangles)
and on a ~1M-triangle scene made from it (see bench_load.make_big_scene).

    .venv/bin/python bench/bench_pick.py [--rays 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import trimesh
from embreex import rtcore_scene
from embreex.mesh_construction import TriangleMesh
from trimesh.ray.ray_pyembree import RayMeshIntersector

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_load import PM4, make_big_scene  # noqa: E402
from scenes.index import SceneIndex  # noqa: E402
from scenes.loader import load_scene  # noqa: E402


def world_mesh(scene) -> trimesh.Trimesh:
    """The scene's triangles in world space as one mesh (what the peers get)."""
    parts = []
    for node in scene.nodes:
        if node.mesh is None:
            continue
        for prim in scene.meshes[node.mesh].primitives:
            if prim.mode == "triangles":
                m = trimesh.Trimesh(prim.positions, prim.indices, process=False)
                parts.append(m.apply_transform(scene.world_matrix(node.index)))
    return trimesh.util.concatenate(parts)


def rays_at(scene, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    center = scene.bounds.mean(0)
    size = np.linalg.norm(scene.bounds[1] - scene.bounds[0])
    d = rng.normal(size=(n, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return center - d * size + rng.normal(size=(n, 3)) * size * 0.15, d


def latencies(fn, origins, directions) -> tuple[float, float]:
    """(median, p99) microseconds of fn(origin, direction) per call."""
    times = []
    for o, d in zip(origins, directions, strict=True):
        t = time.perf_counter()
        fn(o, d)
        times.append((time.perf_counter() - t) * 1e6)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]


def bench(name: str, scene, n_rays: int) -> None:
    origins, dirs = rays_at(scene, n_rays)
    index = SceneIndex(scene)
    mesh = world_mesh(scene)
    intersector = RayMeshIntersector(mesh)
    raw = rtcore_scene.EmbreeScene()
    TriangleMesh(raw, mesh.triangles.astype(np.float32))

    def trimesh_first(o, d):
        tri = intersector.intersects_first(o[None], d[None])[0]
        if tri < 0:
            return None
        loc, _, _ = intersector.intersects_location(o[None], d[None], multiple_hits=False)
        return loc

    def raw_first(o, d):
        return raw.run(o.astype(np.float32)[None], d.astype(np.float32)[None], output=1)

    print(
        f"\n== {name}: {len(scene.parts)} parts, {scene.triangle_count:,} triangles, {n_rays} rays =="
    )
    ours = latencies(index.ray, origins, dirs)
    peer_tm = latencies(trimesh_first, origins, dirs)
    peer_tm_id = latencies(
        lambda o, d: intersector.intersects_first(o[None], d[None]), origins, dirs
    )
    peer_raw = latencies(raw_first, origins, dirs)
    print(
        f"single ray  SceneIndex.ray (hit + point + normal)   median {ours[0]:7.1f} us  p99 {ours[1]:7.1f} us"
    )
    print(
        f"            trimesh intersects_first + location     median {peer_tm[0]:7.1f} us  p99 {peer_tm[1]:7.1f} us"
    )
    print(
        f"            trimesh intersects_first (face id only) median {peer_tm_id[0]:7.1f} us  p99 {peer_tm_id[1]:7.1f} us"
    )
    print(
        f"            raw embreex run(output=1)                median {peer_raw[0]:7.1f} us  p99 {peer_raw[1]:7.1f} us"
    )
    print(f"  ratio SceneIndex / trimesh(first+location) median: {ours[0] / peer_tm[0]:.2f}x")
    print(f"  ratio SceneIndex / trimesh(face id only)   median: {ours[0] / peer_tm_id[0]:.2f}x")
    print(f"  ratio SceneIndex / raw embreex              median: {ours[0] / peer_raw[0]:.2f}x")

    # one part held (moved) and excluded, as during a grab: the common interactive case
    held = max(scene.parts, key=lambda p: len(scene.part_nodes(p)))
    pose = scene.world_matrix(held.node).copy()
    pose[:3, 3] += (scene.bounds[1] - scene.bounds[0]) * 0.1
    index.set_part_pose(held.id, pose)
    moved = latencies(lambda o, d: index.ray(o, d, exclude=(held.id,)), origins, dirs)
    index.reset_poses()
    print(
        f"  one part moved + excluded: SceneIndex.ray median {moved[0]:.1f} us  p99 {moved[1]:.1f} us"
    )

    # proximity: parts within 15 mm of points inside the scene's box, vs trimesh's nearest
    # surface point on the one combined mesh (rtree-based; built before timing)
    rng = np.random.default_rng(1)
    points = scene.bounds[0] + rng.random((300, 3)) * (scene.bounds[1] - scene.bounds[0])
    index.parts_near(points[0], 0.015)  # builds the k-d trees of the parts it touches
    for p in points:
        index.parts_near(p, 0.015)
    trimesh.proximity.closest_point(mesh, points[:1])
    near = latencies(lambda p, _: index.parts_near(p, 0.015), points, points)
    peer_near = latencies(
        lambda p, _: trimesh.proximity.closest_point(mesh, p[None]), points, points
    )
    print(
        f"parts_near(15 mm)  median {near[0]:.1f} us  p99 {near[1]:.1f} us   "
        f"trimesh closest_point median {peer_near[0]:.1f} us  p99 {peer_near[1]:.1f} us   "
        f"ratio {near[0] / peer_near[0]:.2f}x"
    )

    batched(index, intersector, mesh, scene)


def batched(index: SceneIndex, intersector: RayMeshIntersector, mesh: trimesh.Trimesh, scene, repeat: int = 7) -> None:
    """Batches of 20 000 rays (a heatmap's or a sampler's): ours and trimesh's
    ``intersects_location`` taking turns, median per ray."""
    origins, dirs = rays_at(scene, 20_000, seed=5)
    face_normals = mesh.face_normals  # trimesh caches them: a user's normals are a lookup

    def peer_normals():
        _, _, tri = intersector.intersects_location(origins, dirs, multiple_hits=False)
        return face_normals[tri]

    contenders = {
        "SceneIndex.ray_hits (part, point, distance)": lambda: index.ray_hits(origins, dirs),
        "  + normals and nodes": lambda: (lambda h: (h.normal, h.node))(index.ray_hits(origins, dirs)),
        "SceneIndex.rays (a RayHit object per ray)": lambda: index.rays(origins, dirs),
        "peer: trimesh intersects_location": lambda: intersector.intersects_location(origins, dirs, multiple_hits=False),
        "peer: intersects_location + face normals": peer_normals,
    }
    for fn in contenders.values():
        fn()  # first use builds what is cached (our hit table, trimesh's normals)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, fn in contenders.items():
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) / len(origins) * 1e6)
    peer = statistics.median(times["peer: trimesh intersects_location"])
    peer_n = statistics.median(times["peer: intersects_location + face normals"])
    print(f"batched, {len(origins):,} rays, {repeat} runs interleaved, median us/ray:")
    for name, runs in times.items():
        med = statistics.median(runs)
        ref = peer_n if "normal" in name else peer
        print(f"  {name:46s} {med:6.3f} us/ray  {med / ref:5.2f}x the peer{' (with normals)' if 'normal' in name else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rays", type=int, default=2000)
    args = parser.parse_args()
    bench("PM4 (real)", load_scene(PM4), args.rays)
    with tempfile.TemporaryDirectory() as tmp:
        big = make_big_scene(Path(tmp))
        bench(f"{big.name} (PM4 subdivided and tiled)", load_scene(big), args.rays)


if __name__ == "__main__":
    main()
