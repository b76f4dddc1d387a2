"""Load -> render- and pick-ready for a ~1.2 M-triangle GLB, against trimesh + its Embree BVH.

The scene is made here from real data (never committed): the PM4 pump assembly, every
part subdivided once (4x triangles) and the whole assembly tiled three times, exported
as GLB by trimesh.

Peer, in the same run on the same file, the contenders taking turns: ``trimesh.load`` of
the file as one mesh plus trimesh's ``RayMeshIntersector`` (its Embree BVH) answering a
first ray: what a user of trimesh would do to pick on a model. Ours: ``load_scene`` then
``SceneIndex`` (the all-parts Embree BVH; rays answer from then on). Also shown: the
view's vertex batches (``build_batches``, what the first frame uploads), the all-parts
proximity search that ``SceneIndex`` builds on first need, and trimesh.load alone.

    .venv/bin/python bench/bench_load.py [--repeat 5]
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


def interleaved(contenders: dict, repeat: int) -> dict[str, list[float]]:
    """name -> seconds per run, the contenders taking turns (load on this shared machine
    then hits them alike); every run starts from the file."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, fn in contenders.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from views.scene_batches import build_batches

    with tempfile.TemporaryDirectory() as tmp:
        path = make_big_scene(Path(tmp))
        size_mb = path.stat().st_size / 1e6
        scene = load_scene(path)
        probe = (scene.bounds.mean(0) - [0, 0, 10])[None], np.array([[0.0, 0.0, 1.0]])

        def ours() -> None:
            SceneIndex(load_scene(path)).rays(*probe)

        def ours_with_batches() -> None:
            loaded = load_scene(path)
            SceneIndex(loaded).rays(*probe)
            build_batches(loaded)

        def ours_with_proximity() -> None:
            index = SceneIndex(load_scene(path))
            index.rays(*probe)
            index.parts_near(scene.bounds.mean(0), 1e-3)

        def peer() -> None:
            mesh = trimesh.load(str(path), force="mesh")
            trimesh.ray.ray_pyembree.RayMeshIntersector(mesh).intersects_first(*probe)

        t = interleaved(
            {
                "load_scene + SceneIndex (pick-ready)": ours,
                "  + build_batches (render-ready too)": ours_with_batches,
                "  + all-parts proximity search": ours_with_proximity,
                "peer: trimesh.load(mesh) + RayMeshIntersector": peer,
                "trimesh.load (scene, parse only)": lambda: trimesh.load(str(path)),
                "load_scene alone": lambda: load_scene(path),
            },
            args.repeat,
        )
    print(f"file: {path.name}, {size_mb:.1f} MB, {len(scene.parts)} parts, {scene.triangle_count:,} triangles; "
          f"{args.repeat} runs each, interleaved, median (min-max)")
    peer_s = statistics.median(t["peer: trimesh.load(mesh) + RayMeshIntersector"])
    for name, runs in t.items():
        med = statistics.median(runs)
        print(f"  {name:48s} {med * 1e3:8.0f} ms ({min(runs) * 1e3:.0f}-{max(runs) * 1e3:.0f})  "
              f"{med / peer_s:5.2f}x the peer")


if __name__ == "__main__":
    main()
