"""``xrjig calibrate SOURCE... --board SPEC --out CAMERA.yaml``: a camera's intrinsics.

SOURCE is one or more photos of the board (or a folder of them), a video of it being
moved about, or a camera index (hold the board at several distances and angles until
enough views are kept, or Ctrl+C). Photos are all used; from a video or camera a view is
kept when the board moved since the views already kept, and of a long video the views
most unlike each other are used. The camera file (OpenCV
FileStorage YAML: image size, camera matrix, distortion, RMS error) is what ``xrjig markers
--camera`` and the window's AR mode read. ``--json`` prints one object: ``fx``, ``fy``,
``cx``, ``cy``, ``rms_px``, ``images_used``, ``width``, ``height`` (and ``distortion``,
``out``). Frames stay in memory; the camera file is the only thing written.

Bad input (an unreadable source, a bad board spec, images of different sizes, too few
views with the board) is one line on stderr naming it, and exit code 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from app.cli import number

#: images a folder may hold for one calibration
MAX_FOLDER_IMAGES = 1000


def _board(text: str):
    from devices.camera.boards import parse_board

    try:
        return parse_board(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="photos of the board (or a folder of them), a video, or a camera index")
    parser.add_argument("--board", type=_board, required=True, metavar="SPEC",
                        help="chessboard:COLSxROWS[:SQUARE_MM] (inner corners) or "
                             "charuco:COLSxROWS:SQUARE_MM:MARKER_MM:DICT (squares)")
    parser.add_argument("--out", type=Path, required=True, metavar="CAMERA.yaml", help="camera file to write")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--max-views", type=number(int, 3, 200), default=None, metavar="N",
                        help="views kept at most from a video or camera (3..200, default 30)")
    parser.add_argument("--max-frames", type=number(int, 1, 10**9), default=None, metavar="N",
                        help="frames read at most from a video or camera (default: all; a camera: until "
                             "enough views or Ctrl+C)")


def _expand(sources: list[str]) -> list[str]:
    """Folders become their image files (sorted); everything else is passed on as given."""
    from devices.camera.source import IMAGE_SUFFIXES

    out: list[str] = []
    for spec in sources:
        path = Path(spec)
        if spec.strip().isdigit() or not path.is_dir():
            out.append(spec)
            continue
        images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not images:
            raise ValueError(f"{spec}: a folder without images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        if len(images) > MAX_FOLDER_IMAGES:
            raise ValueError(f"{spec}: more than {MAX_FOLDER_IMAGES} images")
        out.extend(str(p) for p in images)
    return out


def _frames(specs: list[str], max_frames: int | None, stats: dict[str, int],
            warnings: list[str]) -> Iterator[tuple[str, np.ndarray, str]]:
    """(name, image, kind: image, video or camera) for every frame of every source."""
    from devices.camera.source import FrameSource

    for spec in specs:
        source = FrameSource(spec)  # SceneError: one line naming it
        try:
            for index, (_, bgr) in enumerate(source.frames()):
                if source.kind == "image":
                    stats["images"] += 1
                    yield Path(spec).name, bgr, source.kind
                    break
                stats["frames"] += 1
                yield f"{Path(spec).name if source.kind == 'video' else source.name}#{index}", bgr, source.kind
                if max_frames and index + 1 >= max_frames:
                    break
        finally:
            source.release()
        if source.warning:
            warnings.append(source.warning)


def run(args: argparse.Namespace) -> int:
    from devices.camera.calibration import DEFAULT_MAX_VIEWS, MIN_VIEWS, ViewCollector, calibrate
    from devices.camera.intrinsics import write_camera_file

    board = args.board
    try:
        specs = _expand(args.sources)
    except ValueError as err:
        print(f"xrjig calibrate: {err}", file=sys.stderr)
        return 1
    collector = ViewCollector(board, args.max_views or DEFAULT_MAX_VIEWS)
    stats, warnings = {"images": 0, "frames": 0}, []
    try:
        for name, bgr, kind in _frames(specs, args.max_frames, stats, warnings):
            kept = collector.offer(name, bgr, moved_only=kind != "image")
            if kept and kind != "image" and not args.json:
                print(f"view {collector.distinct_video_views}: {name}", file=sys.stderr)
            # a live camera stops once it has enough views; a video is read to its end
            live = kind == "camera"
            if collector.full or (live and collector.distinct_video_views >= collector.max_views):
                break
    except ValueError as err:  # images of different sizes
        print(f"xrjig calibrate: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a live camera: calibrate with the views kept so far
        pass
    for warning in warnings:
        print(f"xrjig calibrate: warning: {warning}", file=sys.stderr)
    offered = stats["images"] + stats["frames"]
    where = specs[0] if len(specs) == 1 else f"{specs[0]} and {len(specs) - 1} more"
    if len(collector.views) < MIN_VIEWS:
        hint = " (a chessboard counts inner corners: 9x6 for 10 x 7 squares)" if board.kind == "chessboard" else ""
        print(f"xrjig calibrate: {where}: the board {board.text} was found in {len(collector.views)} of "
              f"{offered} {'images' if not stats['frames'] else 'frames'}; at least {MIN_VIEWS} views "
              f"are needed{hint}", file=sys.stderr)
        return 1
    if collector.missed and stats["images"]:
        missed = [n for n in collector.missed if "#" not in n]
        if missed:
            print(f"xrjig calibrate: warning: no board in {len(missed)} of {stats['images']} images: "
                  + ", ".join(missed[:10]) + (" ..." if len(missed) > 10 else ""), file=sys.stderr)
    assert collector.image_size is not None
    try:
        result = calibrate(collector.views, collector.image_size)
    except ValueError as err:
        print(f"xrjig calibrate: {where}: {err}", file=sys.stderr)
        return 1
    cam = result.intrinsics
    write_camera_file(args.out, cam, note=f"xrjig calibrate, board {board.text}, {len(collector.views)} views")
    if args.json:
        print(json.dumps({
            "fx": round(cam.fx, 4), "fy": round(cam.fy, 4), "cx": round(cam.cx, 4), "cy": round(cam.cy, 4),
            "rms_px": round(float(cam.rms_px or 0.0), 4), "images_used": cam.images_used,
            "width": cam.width, "height": cam.height,
            "distortion": [round(float(v), 6) for v in cam.distortion], "out": str(args.out),
        }))
        return 0
    print(f"{args.out}: {cam.width}x{cam.height}, {cam.images_used} views of {board.text}: "
          f"fx {cam.fx:.2f} fy {cam.fy:.2f} cx {cam.cx:.2f} cy {cam.cy:.2f} px, RMS {cam.rms_px:.3f} px")
    print("  distortion " + " ".join(f"{v:+.4f}" for v in cam.distortion))
    worst = sorted(result.per_view_rms_px, key=lambda e: -e[1])[:3]
    print("  worst views: " + ", ".join(f"{n} {e:.2f} px" for n, e in worst))
    if cam.rms_px is not None and cam.rms_px > 1.0:
        print("  an RMS over 1 px: check the board spec against the printed board, and drop blurred views")
    return 0
