"""STEP -> render- and pick-ready: ``load_scene(x.step)`` vs bare cascadio + trimesh.load.

Per file (AS1, PM4, NIST CTC-02, tests/data/cad/step/), in one run, each repetition
measuring every variant in turn (so a machine busy with something else slows all alike):

- peer: ``cascadio.step_to_glb`` in this process at the same deflections (no B-rep data,
  no worker process, no limits, no names or shared meshes) plus ``trimesh.load`` of it;
- ours, cold: ``load_scene`` of the STEP file with an empty cache and no worker waiting
  (the CLI's case: the worker process starts inside the measurement);
- ours, warm: the same with a spare worker started beforehand (``prestart_worker``, the
  window's case), then also with the ``SceneIndex`` built (pick-ready);
- cached reopen: ``load_scene`` of the STEP file again (remembered hash, cache hit, GLB
  read), vs ``load_scene`` of the cached GLB itself and of the shared GLB conversion.

Goals (issue 12): ours / peer <= 1.3x; cached reopen / opening the GLB <= 1.2x.

    .venv/bin/python bench/bench_step.py [--repeat 5] [--quality interactive]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cascadio  # noqa: E402
import trimesh  # noqa: E402

from scenes import step_convert  # noqa: E402
from scenes.index import SceneIndex  # noqa: E402
from scenes.loader import load_scene  # noqa: E402
from scenes.step_quality import parse_quality  # noqa: E402

DATA = ROOT / "tests" / "data" / "cad"
FILES = ["bug21802_as1-oc-214", "trj6_pm4-ec-203", "nist_ctc_02_asme1_ap242-1"]


def clocked(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quality", default="interactive")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the CTC-02 notes, once per load
    quality = parse_quality(args.quality)
    print(f"quality {quality.label}: {quality.linear_mm} mm, {quality.angular_deg} deg; "
          f"cascadio {cascadio.__version__}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}; "
          f"median of {args.repeat}")
    counter = itertools.count()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)

        def fresh_cache() -> None:
            os.environ["XRJIG_STEP_CACHE"] = str(tmp_path / f"cache{next(counter)}")

        for name in FILES:
            step = DATA / "step" / f"{name}.stp"
            shared = DATA / "glb" / f"{name}.glb"
            raw = tmp_path / f"{name}.glb"

            def peer() -> object:
                cascadio.step_to_glb(str(step), str(raw), tol_linear=quality.linear_mm,  # noqa: B023
                                     tol_angular=quality.angular_rad)
                return trimesh.load(str(raw))  # noqa: B023

            def ours() -> object:
                return load_scene(step, quality=quality)  # noqa: B023

            times: dict[str, list[float]] = {k: [] for k in ("peer", "cold", "warm", "pick")}
            for _ in range(args.repeat):
                t, peer_scene = clocked(peer)
                times["peer"].append(t)
                step_convert.shutdown_workers()
                fresh_cache()
                t, scene = clocked(ours)
                times["cold"].append(t)
                for kind in ("warm", "pick"):
                    fresh_cache()
                    step_convert.prestart_worker()
                    time.sleep(1.0)  # the spare has imported what it needs
                    t, _ = clocked((lambda: SceneIndex(ours())) if kind == "pick" else ours)
                    times[kind].append(t)
            step_convert.shutdown_workers()
            glb = step_convert.convert_step(step, quality=quality).glb  # cached by the last run
            reopen: dict[str, list[float]] = {k: [] for k in ("step", "glb", "shared")}
            for _ in range(args.repeat * 5):
                for kind, path in (("step", step), ("glb", glb), ("shared", shared)):
                    reopen[kind].append(clocked(lambda path=path: load_scene(path, quality=quality))[0])
            med = {k: statistics.median(v) for k, v in {**times, **{f"re_{k}": v for k, v in reopen.items()}}.items()}
            peer_tris = sum(len(getattr(g, "faces", ())) for g in peer_scene.dump())  # type: ignore[attr-defined]
            print(f"\n{step.name}: {step.stat().st_size / 1e6:.1f} MB, {len(scene.parts)} parts, "  # type: ignore[attr-defined]
                  f"{scene.triangle_count:,} triangles in {len(scene.meshes)} meshes (peer: {peer_tris:,})")  # type: ignore[attr-defined]
            p = med["peer"]
            print(f"  peer: cascadio.step_to_glb + trimesh.load   {p * 1000:8.1f} ms")
            for key, label in (("cold", "load_scene, cold (worker starts inside)"),
                               ("warm", "load_scene, warm (spare worker waiting)"),
                               ("pick", "load_scene + SceneIndex, warm (pick-ready)")):
                print(f"  {label:<43} {med[key] * 1000:8.1f} ms  {med[key] / p:5.2f}x peer")
            r = med["re_step"]
            print(f"  cached reopen: load_scene(STEP)             {r * 1000:8.1f} ms")
            print(f"    vs load_scene(the cached GLB)             {med['re_glb'] * 1000:8.1f} ms  {r / med['re_glb']:5.2f}x")
            print(f"    vs load_scene(the shared GLB conversion)  {med['re_shared'] * 1000:8.1f} ms  {r / med['re_shared']:5.2f}x")
    step_convert.shutdown_workers()


if __name__ == "__main__":
    main()
