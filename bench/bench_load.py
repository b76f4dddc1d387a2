"""Load + prepare a ~1M-triangle GLB: load_scene + SceneIndex vs trimesh.load.

The scene is made here from real data (never committed): the PM4 pump assembly, every
part subdivided once (4x triangles) and the whole assembly tiled three times, exported
as GLB by trimesh. Peers: ``trimesh.load`` alone (parse only), and trimesh.load plus a
RayMeshIntersector over the concatenated scene (parse + a pick structure, like ours).

    .venv/bin/python bench/bench_load.py [--repeat 3]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenes.index import SceneIndex  # noqa: E402
from scenes.loader import load_scene  # noqa: E402

PM4 = ROOT / "tests" / "data" / "cad" / "glb" / "trj6_pm4-ec-203.glb"


def make_big_scene(folder: Path, copies: int = 3) -> Path:
    """PM4 with every geometry subdivided once, tiled ``copies`` times along X: ~1.2M triangles."""
    source = trimesh.load(str(PM4), force="scene")
    width = float(source.extents[0]) * 1.2
    big = trimesh.Scene()
    for k in range(copies):
        for node in source.graph.nodes_geometry:
            world, geom_name = source.graph[node]
            shift = np.eye(4)
            shift[0, 3] = k * width
            big.add_geometry(
                source.geometry[geom_name].subdivide(),
                node_name=f"copy{k}/{node}",
                geom_name=f"copy{k}/{geom_name}",
                transform=shift @ world,
            )
    path = folder / "pm4_x3_subdivided.glb"
    # with normals, as CAD exporters (and the original PM4) write them
    path.write_bytes(big.export(file_type="glb", include_normals=True))
    return path


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = make_big_scene(Path(tmp))
        size_mb = path.stat().st_size / 1e6
        t_load, scene = timed(lambda: load_scene(path), args.repeat)
        t_index, _ = timed(lambda: SceneIndex(scene), args.repeat)
        t_peer, peer = timed(lambda: trimesh.load(str(path)), args.repeat)

        def peer_prepare():
            mesh = trimesh.load(str(path), force="mesh")
            return trimesh.ray.ray_pyembree.RayMeshIntersector(mesh).intersects_first(
                mesh.bounds.mean(0)[None] - [0, 0, 10], np.array([[0.0, 0.0, 1.0]])
            )

        t_peer_prep, _ = timed(peer_prepare, args.repeat)
    print(
        f"file: {path.name}, {size_mb:.1f} MB, {len(scene.parts)} parts, {scene.triangle_count:,} triangles"
    )
    print(
        f"trimesh tris: {sum(len(g.faces) for g in peer.geometry.values()):,} (geometries, not instances)"
    )
    print(f"load_scene                        {t_load * 1000:8.1f} ms")
    print(f"SceneIndex build                  {t_index * 1000:8.1f} ms")
    print(f"load_scene + SceneIndex           {(t_load + t_index) * 1000:8.1f} ms")
    print(f"trimesh.load (scene, parse only)  {t_peer * 1000:8.1f} ms")
    print(f"trimesh.load(mesh) + RayMeshIntersector first query  {t_peer_prep * 1000:8.1f} ms")
    print(f"ratio load_scene / trimesh.load                        {t_load / t_peer:.2f}x")
    print(
        f"ratio (load_scene + SceneIndex) / trimesh.load         {(t_load + t_index) / t_peer:.2f}x"
    )
    print(
        f"ratio (load_scene + SceneIndex) / (trimesh + its BVH)  {(t_load + t_index) / t_peer_prep:.2f}x"
    )


if __name__ == "__main__":
    main()
