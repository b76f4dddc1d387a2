"""``xrjig convert IN.step OUT.glb [--quality Q]``: a STEP file as a GLB, for pipelines.

The same conversion the window and every other command use (scenes/step_convert.py: a
worker process under a time and memory limit, the result cached), written to OUT.glb:
the assembly tree with product names (instance names in the nodes' extras), colours as
materials, metres and Y-up, identical parts sharing one mesh, and each mesh's cylinder
axes in its extras. ``xrjig OUT.glb`` then opens as fast as any GLB, with the same CAD
hints. ``--clear-cache`` empties the conversion cache (and prints where it was).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app.cli import QUALITY_HELP, number, quality
from scenes import step_cache
from scenes.gltf import load_gltf
from scenes.model import SceneError
from scenes.step_convert import Limits, convert_step


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, nargs="?", help="STEP file (.step, .stp)")
    parser.add_argument("output", type=Path, nargs="?", help="GLB file to write")
    parser.add_argument("--quality", type=quality, default=None, help=QUALITY_HELP)
    parser.add_argument("--timeout", type=number(float, 1, 86400), default=600.0,
                        help="seconds the conversion may take, 1..86400 (default 600)")
    parser.add_argument("--memory-mb", type=number(int, 256, 1024**2), default=0,
                        help="address space the converter may use, MiB (default: half the "
                             "machine's memory, at most 8192)")
    parser.add_argument("--clear-cache", action="store_true",
                        help=f"delete every cached conversion ({step_cache.cache_dir()})")


def run(args: argparse.Namespace) -> int:
    if args.clear_cache:
        count, size = step_cache.clear()
        print(f"removed {count} cached conversion{'s' * (count != 1)} ({size / 1024**2:.1f} MiB) "
              f"from {step_cache.cache_dir()}")
        if args.input is None:
            return 0
    if args.input is None or args.output is None:
        print("xrjig convert: give IN.step and OUT.glb (or --clear-cache)", file=sys.stderr)
        return 1
    if args.output.suffix.lower() != ".glb":
        raise SceneError(args.output, "the output must be a .glb file")
    limits = Limits(seconds=args.timeout, memory_bytes=args.memory_mb * 1024**2)
    converted = convert_step(args.input, quality=args.quality, limits=limits)
    scene = load_gltf(converted.glb)
    for note in scene.notes:
        print(f"xrjig convert: {args.input}: {note}", file=sys.stderr)
    partial = args.output.with_name(args.output.name + ".part")
    try:
        partial.write_bytes(converted.glb.read_bytes())
        os.replace(partial, args.output)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise SceneError(args.output, f"cannot be written ({err.strerror or err})") from None
    how = "from the cache" if converted.cached else f"in {converted.seconds:.2f} s"
    print(f"{args.output}: {len(scene.nodes)} nodes, {len(scene.parts)} parts, "
          f"{scene.triangle_count:,} triangles, {len(scene.meshes)} meshes "
          f"(quality {converted.quality.label}, converted {how})")
    return 0
