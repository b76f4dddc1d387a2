"""Headset frame cost on this machine's OpenGL (Mesa llvmpipe here) for the sample scene:
time per eye, and the share of the frame spent outside rendering (device input + engine
step + overlay state), against the 11.1 ms a 90 Hz headset allows.

The XR side is the real headset mode (app.headset.device.headset_device: OpenXR session, input
read at the predicted display time, both eyes drawn by the shared renderer into the
runtime's swapchains) fed to the real engine on the sample scenario, as the window runs it.
Time per eye is acquire -> draw -> glFinish -> release of the swapchain image (the
runtime's hand-off included); waiting in xrWaitFrame is pacing, not work, and is left out.

Peer, measured in the same run with the same renderer, scene, eye poses and projections:
drawing the two eyes into a plain offscreen framebuffer of the swapchain's size, without
OpenXR, each eye closed with glFinish. xr / peer is the OpenXR overhead per eye. The peer
is also drawn at 1440x1600 per eye (a Valve Index eye) to show what this renderer needs
at headset resolution.

Needs an OpenXR runtime; here Monado in its chroot (scripts/monado):

    sudo scripts/monado/run.sh ROOT .venv/bin/python bench/bench_xr.py
    (no X server: PYOPENGL_PLATFORM=egl EGL_PLATFORM=surfaceless in front)
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as bench_engine: BLAS threads fight Embree

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BUDGET_MS = 1000.0 / 90.0
HEADSET_EYE = (1440, 1600)


def _ms(samples: list[float]) -> str:
    ms = np.asarray(samples) * 1e3
    return f"median {np.median(ms):6.2f} ms  p95 {np.percentile(ms, 95):6.2f} ms"


def run_headset(frames: int) -> dict:
    """Headset mode for ``frames`` frames; per-frame timings and the eye views drawn."""
    from app.headset.device import headset_device
    from app.session.session import scenario_params
    from interaction.engine import Engine
    from interaction.recording import quantize
    from scenes.index import SceneIndex
    from scenes.loader import load_scene
    from scenes.samples import SAMPLE_SCENARIO, SAMPLE_SCENE
    from scenes.scenario import load_scenario
    from views.overlays import OverlayBuilder

    scene = load_scene(SAMPLE_SCENE)
    scenario = load_scenario(SAMPLE_SCENARIO, scene=scene)
    params = scenario_params(scenario)
    engine = Engine(scene, scenario, params, index=SceneIndex(scene))
    targets = {pid: scenario.target_matrix(scene, pid) for pid in scenario.parts}
    overlays = OverlayBuilder(scene, targets, {s.id: s.parts for s in scenario.steps})
    headset = headset_device(scene)
    headset.start()
    if headset.error:
        raise SystemExit(f"bench_xr: no headset session: {headset.error}")
    from OpenGL import GL

    eyes: list[tuple] = []
    renderer = headset.eyes.renderer
    draw = renderer.draw

    def draw_and_remember(view, proj, viewport, framebuffer, state):
        """The headset's own draw, finished (as the peer's) so the eye's time includes the
        rasteriser's work; noting each eye's matrices for the peer."""
        eyes.append((view, proj, viewport[2:]))
        draw(view, proj, viewport, framebuffer, state)
        GL.glFinish()

    renderer.draw = draw_and_remember
    out = {"input": [], "engine": [], "eyes": [[], []], "size": None, "renderer": ""}
    t0, n = time.perf_counter(), 0
    try:
        while headset.frames_submitted < frames and time.perf_counter() - t0 < 120:
            frame = headset.poll(time.perf_counter() - t0)
            if headset.error:
                raise SystemExit(f"bench_xr: the session failed: {headset.error}")
            result = headset.last_result
            started = time.perf_counter()
            engine.step(quantize(frame))
            headset.show(scene, overlays.build(engine.state, frame, params, (0, 1)))
            engine_s = time.perf_counter() - started
            if result is None or not result.submitted_layer:
                continue
            n += 1
            if n <= 5:  # warm-up: first uploads, shader compiles
                continue
            out["input"].append(headset.input_seconds)
            out["engine"].append(engine_s)
            for i, seconds in enumerate(result.eye_seconds):
                out["eyes"][i].append(seconds)
        out["renderer"] = (GL.glGetString(GL.GL_RENDERER) or b"").decode()
        out["size"] = tuple(eyes[-1][2])
        out["views"] = eyes[-2 * 20 :]  # the last 20 frames' eye views, for the peer
        out["state"] = headset.eyes.state
    finally:
        headset.stop()
    out["scene"] = scene
    return out


def run_peer(scene, views: list[tuple], state, size: tuple[int, int]) -> list[float]:
    """Per-eye seconds drawing ``views`` into a plain offscreen framebuffer of ``size``."""
    from OpenGL import GL

    from app.display.offscreen import OffscreenTarget
    from views.renderer import Renderer

    width, height = size
    samples = []
    with OffscreenTarget(width, height, samples=0) as target:
        renderer = Renderer()
        renderer.set_scene(scene)
        for view, proj, _ in views[:4]:  # warm-up
            renderer.draw(view, proj, (0, 0, width, height), target.framebuffer, state)
        GL.glFinish()
        for _ in range(3):
            for view, proj, _ in views:
                started = time.perf_counter()
                renderer.draw(view, proj, (0, 0, width, height), target.framebuffer, state)
                GL.glFinish()
                samples.append(time.perf_counter() - started)
        renderer.release()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--frames", type=int, default=150, help="headset frames to time (default 150)"
    )
    args = parser.parse_args()
    xr_run = run_headset(args.frames)
    width, height = xr_run["size"]
    eyes = xr_run["eyes"]
    peer = run_peer(xr_run["scene"], xr_run["views"], xr_run["state"], (width, height))
    big = run_peer(xr_run["scene"], xr_run["views"], xr_run["state"], HEADSET_EYE)

    print(f"OpenGL: {xr_run['renderer']}; sample scene (AS1); {len(eyes[0])} headset frames timed")
    print(f"eye image {width}x{height} (the runtime's recommended size)")
    for name, samples in zip(("left", "right"), eyes, strict=True):
        print(f"  XR   {name:5s} eye (acquire, draw, finish, release): {_ms(samples)}")
    print(f"  peer plain FBO, same views (draw, finish)         : {_ms(peer)}")
    xr_eye = statistics.median(eyes[0] + eyes[1])
    print(f"  ratio XR / peer per eye: {xr_eye / statistics.median(peer):.2f}")
    print(f"  peer at {HEADSET_EYE[0]}x{HEADSET_EYE[1]} per eye (Index-sized): {_ms(big)}")
    inputs, engine = np.asarray(xr_run["input"]), np.asarray(xr_run["engine"])
    render = np.asarray(eyes[0]) + np.asarray(eyes[1])
    outside = inputs + engine
    work = outside + render
    print(
        "frame work, medians: both eyes {:.2f} ms; device input {:.2f} ms; engine step and overlays {:.2f} ms".format(
            *(np.median(x) * 1e3 for x in (render, inputs, engine))
        )
    )
    print(
        f"  total {np.median(work) * 1e3:.2f} ms (p95 {np.percentile(work, 95) * 1e3:.2f} ms) = "
        f"{np.median(work) * 1e3 / BUDGET_MS:.0%} of the {BUDGET_MS:.1f} ms budget at 90 Hz"
    )
    print(
        f"  outside rendering (input + engine): {np.median(outside / work):.0%} of the frame's work"
    )


if __name__ == "__main__":
    main()
