"""``xrjig markers SOURCE``: find fiducial markers (and a board) in an image, video or camera.

One line per frame: the markers found, by id, with their pose in the camera frame when
the camera's intrinsics (``--camera CAMERA.yaml`` from ``xrjig calibrate``, or roughly
``--fov``) and the markers' printed side (``--size-mm``) are known. ``--json`` prints
``{"frame": n, "t": s, "markers": [{"id", "corners_px", "position_m", "rotation_xyzw",
"residual_px"}]}`` per line (pose keys only when known; OpenCV's camera frame: x right,
y down, z forward; a marker's frame: x right, y up, z out of the marker). ``--board SPEC``
adds the pose of a ChArUco or grid board as ``"board"`` (null when not seen).

``xrjig markers --print ID --out marker.png`` writes a printable marker (``--print
charuco:5x7:40:20:DICT_6X6_250`` a board) sized for ``--size-mm`` at ``--dpi``. Nothing
else is written: frames stay in memory.

An image without markers prints an empty list and exits 0. A source, camera file,
dictionary or board that cannot be used is one line on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.cli import number
from devices.camera.tracker import HORIZONTAL_FOV_RANGE_DEG


def _dictionary(text: str) -> str:
    from devices.camera.markers import resolve_dictionary

    try:
        return resolve_dictionary(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _board(text: str):
    from devices.camera.boards import parse_board

    try:
        spec = parse_board(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if spec.kind == "chessboard":
        raise argparse.ArgumentTypeError(
            f"board {text!r}: a chessboard has no identity (every view is ambiguous by a half "
            "turn): use a charuco or grid board for poses")
    return spec


def _printable(text: str) -> int | str:
    """--print takes a marker id or a board spec."""
    if text.strip().isdigit():
        return int(text)
    from devices.camera.boards import parse_board

    try:
        parse_board(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected a marker id or a board spec: {err}") from None
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?", help="image, video file, or camera index (0, 1, ...)")
    parser.add_argument("--camera", type=Path, metavar="CAMERA.yaml",
                        help="the camera's intrinsics (xrjig calibrate, or an OpenCV camera file)")
    parser.add_argument("--fov", type=number(float, *HORIZONTAL_FOV_RANGE_DEG), default=None, metavar="DEG",
                        help="without --camera: approximate intrinsics from this horizontal field of view")
    parser.add_argument("--dictionary", type=_dictionary, default="DICT_6X6_250", metavar="NAME",
                        help="marker dictionary (default DICT_6X6_250; e.g. DICT_APRILTAG_36h11, DICT_4X4_50)")
    parser.add_argument("--size-mm", type=number(float, 1.0, 5000.0), default=None, metavar="S",
                        help="printed side of the markers' black square in mm, 1..5000 (for poses; "
                             "with --print: the size to print, default 50)")
    parser.add_argument("--board", type=_board, default=None, metavar="SPEC",
                        help="also the pose of a board: charuco:COLSxROWS:SQUARE_MM:MARKER_MM:DICT "
                             "or grid:COLSxROWS:MARKER_MM:GAP_MM:DICT")
    parser.add_argument("--json", action="store_true", help="one JSON object per line and frame")
    parser.add_argument("--max-frames", type=number(int, 1, 10**9), default=None, metavar="N",
                        help="stop after N frames (1..1e9; default: all)")
    parser.add_argument("--print", dest="print_what", type=_printable, default=None, metavar="ID|BOARD",
                        help="write a printable marker (an id) or board (a spec) to --out instead")
    parser.add_argument("--out", type=Path, default=None, help="PNG file for --print")
    parser.add_argument("--dpi", type=number(int, 72, 1200), default=300, help="resolution for --print (default 300)")


def run(args: argparse.Namespace) -> int:
    if args.print_what is not None:
        return _print(args)
    if args.source is None:
        print("xrjig markers: give a SOURCE (image, video or camera index), or --print ID --out PNG",
              file=sys.stderr)
        return 1
    if args.out is not None:
        print("xrjig markers: --out is for --print (frames are never written)", file=sys.stderr)
        return 1
    return _detect(args)


def _print(args: argparse.Namespace) -> int:
    from PIL import Image

    from devices.camera.boards import parse_board
    from devices.camera.printing import board_image, marker_image

    if args.out is None:
        print("xrjig markers: --print needs --out FILE.png", file=sys.stderr)
        return 1
    try:
        if isinstance(args.print_what, int):
            image = marker_image(args.print_what, args.dictionary, args.size_mm or 50.0, args.dpi)
        else:
            image = board_image(parse_board(args.print_what), args.dpi)
    except ValueError as err:
        print(f"xrjig markers: {err}", file=sys.stderr)
        return 1
    Image.fromarray(image).save(args.out, "PNG", dpi=(args.dpi, args.dpi))
    h, w = image.shape
    print(f"{args.out}: {w}x{h} pixels at {args.dpi} DPI ({w / args.dpi * 25.4:.0f} x {h / args.dpi * 25.4:.0f} mm); "
          "print at 100 % (actual size) and measure the black square")
    return 0


def _rounded(values: Any, digits: int) -> list:
    return [round(float(v), digits) for v in values]


def _detect(args: argparse.Namespace) -> int:
    from devices.camera.boards import BoardDetector
    from devices.camera.intrinsics import CameraIntrinsics, read_camera_file
    from devices.camera.markers import MarkerDetector, solve_marker_pose, solve_points_pose
    from devices.camera.source import FrameSource

    camera = read_camera_file(args.camera) if args.camera is not None else None  # SceneError: one line
    source = FrameSource(args.source)
    detector = MarkerDetector(args.dictionary)
    board = BoardDetector(args.board) if args.board is not None else None
    if board is not None and board.markers is not None and board.markers.dictionary == detector.dictionary:
        board.markers = detector
    intrinsics: CameraIntrinsics | None = None
    if camera is None and (args.size_mm is not None or board is not None) and args.fov is None:
        print("xrjig markers: note: no poses without intrinsics: give --camera CAMERA.yaml (or --fov)",
              file=sys.stderr)
    elif args.size_mm is None and board is None and (camera is not None or args.fov is not None):
        print("xrjig markers: note: no poses without the markers' printed size: give --size-mm", file=sys.stderr)
    elif camera is None and args.fov is not None:
        print(f"xrjig markers: note: poses from approximate intrinsics (a {args.fov:g}° field of view, "
              "no calibration): expect errors of several per cent", file=sys.stderr)
    size_m = None if args.size_mm is None else args.size_mm / 1000.0
    try:
        for index, (t, bgr) in enumerate(source.frames()):
            if intrinsics is None or (intrinsics.width, intrinsics.height) != (bgr.shape[1], bgr.shape[0]):
                try:
                    intrinsics = (camera.for_size(bgr.shape[1], bgr.shape[0]) if camera is not None else
                                  CameraIntrinsics.from_fov(bgr.shape[1], bgr.shape[0], args.fov) if args.fov else None)
                except ValueError as err:
                    print(f"xrjig markers: {args.camera}: {err}", file=sys.stderr)
                    return 1
            markers = detector.detect(bgr)
            found = []
            for m in markers:
                rec: dict[str, Any] = {"id": m.id, "corners_px": [_rounded(c, 3) for c in m.corners]}
                fits = solve_marker_pose(m.corners, size_m, intrinsics) if intrinsics and size_m else []
                if fits:
                    rec["position_m"] = _rounded(fits[0].position, 5)
                    rec["rotation_xyzw"] = _rounded(fits[0].rotation_xyzw, 6)
                    rec["residual_px"] = round(fits[0].residual_px, 3)
                found.append(rec)
            record: dict[str, Any] = {"frame": index, "t": round(t, 4), "markers": found}
            if board is not None:
                record["board"] = _board_record(board, bgr, markers if board.markers is detector else None,
                                                intrinsics, solve_points_pose)
            print(json.dumps(record) if args.json else _line(record), flush=True)
            if args.max_frames and index + 1 >= args.max_frames:
                break
    finally:
        source.release()
    if source.warning:
        print(f"xrjig markers: warning: {source.warning}", file=sys.stderr)
    return 0


def _board_record(board, bgr, markers, intrinsics, solve) -> dict[str, Any] | None:
    view = board.find(bgr, markers)
    if view is None:
        return None
    rec: dict[str, Any] = {"points": len(view.object_points)}
    fit = solve(view.object_points, view.image_points, intrinsics) if intrinsics is not None else None
    if fit is not None:
        rec["position_m"] = _rounded(fit.position, 5)
        rec["rotation_xyzw"] = _rounded(fit.rotation_xyzw, 6)
        rec["residual_px"] = round(fit.residual_px, 3)
    return rec


def _line(record: dict[str, Any]) -> str:
    parts = []
    for m in record["markers"]:
        if "position_m" in m:
            x, y, z = m["position_m"]
            parts.append(f"{m['id']} at ({x:+.3f}, {y:+.3f}, {z:.3f}) m, residual {m['residual_px']:.2f} px")
        else:
            cx = sum(c[0] for c in m["corners_px"]) / 4
            cy = sum(c[1] for c in m["corners_px"]) / 4
            parts.append(f"{m['id']} at pixel ({cx:.1f}, {cy:.1f})")
    text = f"frame {record['frame']:5d}: " + (f"{len(parts)} marker(s): " + "; ".join(parts) if parts else "no markers")
    if "board" in record:
        b = record["board"]
        if b is None:
            text += "; board not seen"
        elif "position_m" in b:
            x, y, z = b["position_m"]
            text += f"; board ({b['points']} points) at ({x:+.3f}, {y:+.3f}, {z:.3f}) m, residual {b['residual_px']:.2f} px"
        else:
            text += f"; board seen ({b['points']} points)"
    return text
