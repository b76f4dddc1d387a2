"""``xrjig devices [--json]``: what input devices this machine offers.

The OpenXR runtime (name, version), its system (headset name, tracking, views, blend
modes), the extensions it offers, hand and eye tracking support, the interaction profile
in use per hand, and the cameras. The profile in use is only known inside a running
session: where the runtime allows input-only sessions (XR_MND_headless) a short one is
run to read it. No runtime is not an error: a sentence saying so, and exit 0.

``--probe`` also runs a short headset session through the real renderer
(``app.headset.probe``): states reached, frames submitted, time per eye; a failed probe exits 1.

``collect()`` builds the report and ``print_report`` prints it, so other commands (the
``--probe`` frame check) can extend the same listing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

#: how long the listing waits for a headless session to report controllers (s)
PROFILE_WAIT = 1.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--probe",
        action="store_true",
        help="also run a short headset session (~60 frames through the renderer) and time it",
    )


def _profiles_in_use(timeout: float = PROFILE_WAIT) -> dict[str, str | None] | None:
    """Per hand, the interaction profile of a short headless session (None: no session)."""
    from devices.openxr.device import OpenXRDevice

    device = OpenXRDevice(start_timeout=timeout)
    device.start()
    if device.error:
        return None
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and device.error is None:
            device.poll(0.0)
            if device.lifecycle.has_focus and any(device.profiles):
                break
            time.sleep(0.01)
        return dict(zip(("left", "right"), device.profiles, strict=True))
    finally:
        device.stop()


def openxr_report(session: bool = True) -> dict[str, Any]:
    """The OpenXR part of the listing; ``available`` False with ``why_not`` without a
    runtime. ``session``: also run a short headless session for the profiles in use."""
    from devices.openxr.runtime import HEADLESS_EXTENSION, OpenXRError, XrRuntime

    try:
        with XrRuntime() as runtime:
            info = runtime.info
    except OpenXRError as err:
        return {"available": False, "why_not": str(err)}
    report: dict[str, Any] = {"available": True, "why_not": "", **info.to_dict()}
    report["profiles_in_use"] = (
        _profiles_in_use() if session and HEADLESS_EXTENSION in info.extensions else None
    )
    return report


def camera_report() -> list[dict[str, Any]]:
    from devices.camera.listing import list_cameras

    return [{"index": c.index, "name": c.name} for c in list_cameras()]


def collect(session: bool = True) -> dict[str, Any]:
    """The whole listing as one JSON-ready dict: ``{"openxr": ..., "cameras": [...],
    "camera_tracking": {"available": ..., "why_not": ...}}``."""
    from devices.camera.availability import tracking_problem

    problem = tracking_problem()
    return {"openxr": openxr_report(session), "cameras": camera_report(),
            "camera_tracking": {"available": not problem, "why_not": problem}}


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def print_report(report: dict[str, Any]) -> None:
    xr_ = report["openxr"]
    if not xr_["available"]:
        print(f"OpenXR: {xr_['why_not']}")
    else:
        print(f"OpenXR runtime: {xr_['runtime_name']} (version {xr_['runtime_version']})")
        tracking = [n for n in ("orientation", "position") if xr_[f"{n}_tracking"]]
        print(
            f"System: {xr_['system_name']} (vendor {xr_['vendor_id']}), tracking: "
            f"{' + '.join(tracking) or 'none'}"
        )
        views = ", ".join(f"{w}x{h}" for w, h in xr_["view_sizes"]) or "none"
        print(
            f"Views: {', '.join(xr_['view_configurations'])}; per eye {views}; "
            f"blend modes: {', '.join(xr_['blend_modes']) or 'none'}"
        )
        print(f"Hand tracking: {_yes(xr_['hand_tracking'])}; eye gaze: {_yes(xr_['eye_gaze'])}")
        profiles = xr_["profiles_in_use"]
        if profiles is None:
            print("Interaction profiles in use: known once a headset session runs")
        else:
            print(
                "Interaction profiles in use: "
                + ", ".join(f"{hand} {profile or 'none'}" for hand, profile in profiles.items())
            )
        print(f"Extensions ({len(xr_['extensions'])}): {' '.join(xr_['extensions'])}")
    cameras = report["cameras"]
    if cameras:
        print("Cameras: " + ", ".join(f"{c['index']} ({c['name']})" for c in cameras))
    else:
        print("Cameras: none found")
    if not report["camera_tracking"]["available"]:
        print(f"Camera tracking: unavailable ({report['camera_tracking']['why_not']})")


def print_probe(probe: dict[str, Any]) -> None:
    if not probe["available"]:
        return  # the listing already said why there is no runtime
    print(f"Probe: {probe['message']}")
    if probe["states"]:
        print(f"  session states: {' -> '.join(probe['states'])}")
    print(f"  frames: {probe['frames']} ended, {probe['frames_submitted']} with a projection layer")
    sizes = ", ".join(f"{w}x{h}" for w, h in probe["eye_sizes"])
    print(f"  rendering: {probe['graphics']} on {probe['gl_renderer']}; eyes {sizes}; blend {probe['blend_mode']}")
    for name, times, coverage in zip(("left", "right"), probe["eye_ms"], probe["scene_coverage"], strict=False):
        print(
            f"  {name} eye: median {times['median_ms']:.2f} ms, p95 {times['p95_ms']:.2f} ms; "
            f"scene covers {coverage:.1%} of the image"
        )
    if probe["frame_interval_ms"]:
        print(f"  frame interval (runtime pacing): {probe['frame_interval_ms']:.1f} ms")


def run(args: argparse.Namespace) -> int:
    probe = None
    if args.probe:
        from app.headset.probe import run_probe

        # first: without a display the probe picks EGL, which must precede any OpenGL import
        probe = run_probe().to_dict()
    report = collect()
    if probe is not None:
        report["probe"] = probe
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
        if probe is not None:
            print_probe(probe)
    if probe is not None and probe["available"] and not probe["ok"]:
        print(f"xrjig: headset probe failed: {probe['message']}", file=sys.stderr)
        return 1
    return 0
