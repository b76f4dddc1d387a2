"""``xrjig render FILE --out PNG``: draw a model offscreen through the real renderer.

The picture is what the viewport shows (same renderer, same lighting, grid and
background), framed on the whole scene from a named view. Uses the X display when
there is one (Xvfb will do), otherwise EGL (Mesa surfaceless); when neither can give
an OpenGL 3.3 context it says so in one line.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from app.cli import QUALITY_HELP, number, quality
from scenes.loader import UNITS, load_scene
from views.camera import NAMED_VIEWS


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{1,5})[xX](\d{1,5})", text)
    if not match:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, not {text!r}")
    w, h = int(match[1]), int(match[2])
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"size {w}x{h} is outside 16..8192 pixels per side")
    return w, h


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="model file (.glb, .gltf, .obj, .stl, .ply, .step, .stp)")
    parser.add_argument("--quality", type=quality, default=None, help=QUALITY_HELP)
    parser.add_argument("--out", type=Path, required=True, help="PNG file to write")
    parser.add_argument("--size", type=_size, default=(1280, 720), help="WIDTHxHEIGHT (default 1280x720)")
    parser.add_argument("--view", choices=sorted(NAMED_VIEWS), default="iso", help="camera direction (default iso)")
    units = parser.add_mutually_exclusive_group()
    units.add_argument(
        "--unit", choices=sorted(UNITS), help="the file's length unit, as for xrjig info (default: its own)"
    )
    units.add_argument("--unit-scale", type=number(float, 1e-6, 1e3), default=None,
                       help="metres per file unit, 1e-6..1000 (default: the file's own)")


def run(args: argparse.Namespace) -> int:

    unit_scale = UNITS[args.unit] if args.unit else args.unit_scale
    scene = load_scene(args.file, unit_scale=unit_scale, quality=args.quality)  # SceneError -> one line, exit 1
    from app.display.application import DisplayUnavailable
    from app.display.offscreen import OffscreenTarget
    from views.camera import Camera
    from views.qimage import array_to_image

    width, height = args.size
    camera = Camera()
    camera.frame(scene.bounds, width / height, args.view)
    try:
        # the context first: without a display it picks EGL before PyOpenGL is imported
        with OffscreenTarget(width, height) as target:
            from views.renderer import Renderer

            renderer = Renderer()
            renderer.set_scene(scene)
            view, proj = camera.view_matrix(), camera.projection_matrix(width / height)
            pixels = target.render(lambda fb: renderer.draw(view, proj, (0, 0, width, height), fb))
            renderer.release()
    except DisplayUnavailable as err:
        print(f"xrjig render: {err}", file=sys.stderr)
        return 1
    if not array_to_image(pixels).save(str(args.out), "PNG"):
        print(f"xrjig render: {args.out}: could not write the PNG", file=sys.stderr)
        return 1
    print(f"{args.out}: {width}x{height}, {scene.triangle_count} triangles, view {args.view}")
    return 0
