"""``xrjig track SOURCE``: run the MediaPipe hand and gaze tracker and print what it sees.

SOURCE is an image, a video file or a camera index. One line per frame: the hands found
(the user's left / right, pinching or open), the gaze angles relative to looking at the
camera, and the time MediaPipe and our own mapping took. ``--json`` prints one JSON object
per line instead. Videos are processed frame by frame as fast as possible (no frame is
dropped); a camera runs until Ctrl+C or ``--max-frames``. Frames are never written to disk.

A source that cannot be used at all (empty, not a video, no frame decodes) is one line on
stderr and exit code 1. A video that stops short of its announced frame count (truncated or
damaged) is tracked as far as it decodes, exit code 0, with one warning line on stderr
after its frames saying how many of how many were read; a still image under a video's name
is tracked as one frame, with a warning saying so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from app.cli import number
from devices.camera.availability import tracking_problem
from devices.camera.source import FrameSource
from devices.camera.tracker import (
    HORIZONTAL_FOV_RANGE_DEG,
    MediaPipeTracker,
    TrackerSettings,
    TrackResult,
    quiet_native_stderr,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="image, video file, or camera index (0, 1, ...)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line and frame")
    parser.add_argument(
        "--max-frames", type=number(int, 1, 10**9), default=None, metavar="N",
        help="stop after N frames (1..1e9; default: all)"
    )
    parser.add_argument(
        "--fov", type=number(float, *HORIZONTAL_FOV_RANGE_DEG), default=60.0,
        help="the camera's horizontal field of view in degrees, {:g}..{:g} (default 60)".format(
            *HORIZONTAL_FOV_RANGE_DEG)
    )
    parser.add_argument("--no-face", action="store_true", help="track hands only (no gaze)")


def _record(r: TrackResult) -> dict[str, Any]:
    gaze = None
    if r.gaze is not None:
        gaze = {
            "yaw_deg": round(r.gaze.yaw_deg, 2),
            "pitch_deg": round(r.gaze.pitch_deg, 2),
            "confidence": r.gaze.confidence,
            "origin": [round(v, 4) for v in r.gaze.gaze.origin.tolist()],
            "direction": [round(v, 4) for v in r.gaze.gaze.direction.tolist()],
        }
    return {
        "frame": r.index,
        "t": round(r.t, 4),
        "hands": [
            {
                "handedness": h.handedness,
                "score": round(h.score, 3),
                "pinch": h.pinching,
                "pinch_strength": round(h.pinch_strength, 3),
                "grab": h.grabbing,
                "grab_strength": round(h.grab_strength, 3),
                "wrist": [round(v, 4) for v in h.landmarks[0].tolist()],
            }
            for h in r.hands
        ],
        "gaze": gaze,
        "mediapipe_ms": round(r.mediapipe_ms, 2),
        "overhead_ms": round(r.overhead_ms, 3),
    }


def _line(r: TrackResult) -> str:
    hands = (
        ", ".join(
            f"{h.handedness} {'PINCH' if h.pinching else 'open'}{' GRAB' if h.grabbing else ''}"
            f" ({h.pinch_strength:.2f})"
            for h in r.hands
        )
        or "no hands"
    )
    gaze = (
        f"gaze yaw {r.gaze.yaw_deg:+.1f} pitch {r.gaze.pitch_deg:+.1f} conf {r.gaze.confidence:.1f}"
        if r.gaze is not None
        else "no gaze"
    )
    return f"frame {r.index:5d} t {r.t:7.3f}s  {hands}; {gaze}; mediapipe {r.mediapipe_ms:.1f} ms, ours {r.overhead_ms:.2f} ms"


def run(args: argparse.Namespace) -> int:
    # MediaPipe's C++ logging writes straight to file descriptor 2; our own messages go
    # through a copy of it, the native chatter to /dev/null.
    sys.stderr.flush()
    own_stderr = os.fdopen(os.dup(2), "w", buffering=1)
    saved, sys.stderr = sys.stderr, own_stderr
    try:
        with quiet_native_stderr():
            return _track(args)
    finally:
        sys.stderr = saved
        own_stderr.close()


def _track(args: argparse.Namespace) -> int:
    problem = tracking_problem()
    if problem:
        print(f"xrjig track: {problem}", file=sys.stderr)
        return 1
    source = FrameSource(args.source)
    settings = TrackerSettings(horizontal_fov_deg=args.fov, track_face=not args.no_face)
    tracker = MediaPipeTracker(settings, static=source.kind == "image")
    try:
        for t, bgr in source.frames():
            r = tracker.process(bgr, t)
            print(json.dumps(_record(r)) if args.json else _line(r), flush=True)
            if args.max_frames and r.index + 1 >= args.max_frames:
                break
    finally:
        tracker.close()
        source.release()
    if source.warning:
        print(f"xrjig track: warning: {source.warning}", file=sys.stderr)
    return 0
