"""What the report's pictures show, read from the pictures themselves, on real AS1 trials:
the gaze heatmap frames the whole model with the gaze density on its surface (with X and,
in a subprocess without DISPLAY, with EGL), and the per-step plot keeps its labels apart."""

from __future__ import annotations

import dataclasses
import itertools
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from interaction.autopilot import Autopilot
from interaction.engine import Engine
from interaction.metrics import StepMetric, TrialMetrics, trial_metrics
from interaction.params import scenario_params
from interaction.recording import quantize
from interaction.recording_reader import Recording
from interaction.recording_rerun import gaze_trace, load_setup
from interaction.trial import Trial, session_metadata
from scenes.index import SceneIndex
from scenes.samples import SAMPLE_SCENARIO
from scenes.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def record_as1_stopped(path: Path, steps_done: int, participant: str = "quitter") -> Path:
    """The autopilot on the AS1 sample, recorded like ``record_as1`` but stopped (Trial ▸ Stop
    trial) once ``steps_done`` steps are done: the other parts are still on the tray."""
    scenario = load_scenario(SAMPLE_SCENARIO)
    params = scenario_params(scenario, "novice")
    session = session_metadata(
        participant=participant, scenario_path=SAMPLE_SCENARIO, scene_path=scenario.model, variant="novice",
        params=params.to_dict(), device="autopilot", steps=[s.id for s in scenario.steps],
        inspection_points=[p.id for p in scenario.inspection_points],
    )
    engine = Engine(scenario.scene, scenario, params)
    done = 0
    with Trial(path, session) as trial:
        for frame, commands in Autopilot(engine).frames():
            seen = quantize(frame)
            events = engine.step(seen, commands)
            trial.record(seen, events, commands)
            done += sum(e.kind == "STEP_DONE" for e in events)
            if done >= steps_done:
                break
        trial.end_task(completed=False)
    return path


@pytest.fixture(scope="module")
def as1_trials(tmp_path_factory, as1_recording) -> list[Path]:
    """A completed AS1 trial (gaze on the three inspection points at the end) and, last, a
    trial stopped after its first step (the plate placed, 17 parts left on the tray)."""
    folder = tmp_path_factory.mktemp("as1-views")
    return [as1_recording, record_as1_stopped(folder / "b-stopped.mcap", 1)]


@pytest.fixture(scope="module")
def as1_gaze(as1_trials):
    """(setup, traces) of the two trials, as ``xrjig report`` computes them."""
    cache: dict = {}
    traces = []
    for path in as1_trials:
        with Recording(path) as rec:
            setup = load_setup(rec, cache)
            traces.append(gaze_trace(rec, setup))
    return setup, traces


def target_poses(setup) -> dict[str, np.ndarray]:
    return {p.id: setup.scenario.target_matrix(setup.scene, p.id) for p in setup.scene.parts}


def rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(int)


def model_mask(pixels: np.ndarray) -> np.ndarray:
    """Pixels that differ from the background (the colour of the top-left corner)."""
    return np.abs(pixels - pixels[0, 0]).max(axis=-1) > 8


def warm(pixels: np.ndarray) -> np.ndarray:
    """The orange-to-yellow end of inferno (the grey model has red == blue)."""
    return (pixels[..., 0] > 150) & (pixels[..., 0] - pixels[..., 2] > 60)


def hottest(pixels: np.ndarray) -> np.ndarray:
    """Pixels of the colour map's top colour: the peak density."""
    from matplotlib import colormaps

    from app.reports.heatmap import COLORMAP, COLORMAP_RANGE

    top = np.asarray(colormaps[COLORMAP](COLORMAP_RANGE[1])[:3]) * 255
    return np.abs(pixels - top).max(axis=-1) < 25


# -- the gaze heatmap ----------------------------------------------------------------------


def test_stopped_trial_left_parts_on_the_tray(as1_gaze):
    """The premise of the heatmap tests: the last trial ended with most parts away from
    their targets, the complete one looked at the model."""
    setup, (complete, stopped) = as1_gaze
    targets = target_poses(setup)
    away = [pid for pid, m in stopped.final_poses.items() if not np.allclose(m, targets[pid], atol=1e-6)]
    assert len(away) == len(setup.scene.parts) - 1
    assert np.isfinite(complete.hits_final).all(axis=1).sum() > 30
    assert not np.isfinite(stopped.hits_final).all(axis=1).any()


@pytest.mark.gl
def test_heatmap_frames_the_whole_assembled_model(as1_gaze, tmp_path):
    from app.reports.heatmap import render_gaze_heatmap
    from views.camera import project_points

    setup, traces = as1_gaze
    scene, targets = setup.scene, target_poses(setup)
    heatmap = render_gaze_heatmap(scene, traces, tmp_path / "heat.png", poses=targets)
    assert heatmap is not None
    (width, height), view, proj = heatmap.size, heatmap.view, heatmap.proj
    pixels = rgb(heatmap.path)
    assert pixels.shape == (height, width, 3)
    Image.fromarray(pixels.astype(np.uint8)).save(tmp_path / "seen.png")

    # every part at its target pose, found by the scene index (not by the heatmap code)
    index = SceneIndex(scene)
    for pid, pose in targets.items():
        index.set_part_pose(pid, pose)
    boxes = np.array([index.part_world_bounds(p.id) for p in scene.parts])
    lo, hi = boxes[:, 0].min(axis=0), boxes[:, 1].max(axis=0)
    corners = np.array(list(itertools.product(*zip(lo, hi, strict=True))))
    box = project_points(corners, view, proj, width, height)
    # the model's projected bounding box lies in the picture and fills most of it
    assert box[:, 0].min() >= 0 and box[:, 0].max() <= width
    assert box[:, 1].min() >= 0 and box[:, 1].max() <= height
    spans = (np.ptp(box[:, 0]) / width, np.ptp(box[:, 1]) / height)
    assert max(spans) > 0.85, spans

    # the picture shows exactly the model at its target poses: cast the camera's ray
    # through every 6th pixel into the scene index and compare with the drawn pixels
    mask = model_mask(pixels)
    ys, xs = np.mgrid[3:height:6, 3:width:6]
    inv = np.linalg.inv(proj @ view)
    ndc = np.stack([(xs + 0.5) / width * 2 - 1, 1 - (ys + 0.5) / height * 2], axis=-1).reshape(-1, 2)
    near = np.c_[ndc, -np.ones(len(ndc)), np.ones(len(ndc))] @ inv.T
    far = np.c_[ndc, np.ones(len(ndc)), np.ones(len(ndc))] @ inv.T
    near, far = near[:, :3] / near[:, 3:], far[:, :3] / far[:, 3:]
    direction = (far - near) / np.linalg.norm(far - near, axis=1, keepdims=True)
    rays = index.rays(near, direction)
    hit = np.array([h is not None for h in rays]).reshape(xs.shape)
    drawn = mask[ys, xs]
    assert hit.sum() > 0.25 * hit.size  # the model covers a good part of the picture
    assert (hit == drawn).mean() > 0.995, f"{(hit != drawn).sum()} of {hit.size} samples differ"
    # ... and so every part that can be seen from here is drawn (the nuts under the plate
    # cannot), in the picture
    shown = {h.part for h in rays if h is not None}
    assert {"as1/plate", "as1/rod-assembly/rod"} < shown and sum(pid.endswith("/bolt") for pid in shown) == 6
    centres = project_points(boxes.mean(axis=1), view, proj, width, height)
    assert (centres[:, :2] > 0).all() and (centres[:, 0] < width).all() and (centres[:, 1] < height).all()

    # the density lies where the gaze hit: the peak colour only near the projected hits,
    # and a warm spot on every spot the gaze rested on
    complete = traces[0]
    hits = np.unique(complete.hits_final[np.isfinite(complete.hits_final).all(axis=1)], axis=0)
    at = project_points(hits, view, proj, width, height)[:, :2]
    top = np.argwhere(hottest(pixels))[:, ::-1]  # (x, y)
    assert len(top) > 0
    nearest = np.linalg.norm(top[:, None, :] - at[None, :, :], axis=-1).min(axis=1)
    assert nearest.max() < 0.02 * np.hypot(width, height), nearest.max()
    hot = warm(pixels)
    for x, y in at.astype(int):
        assert hot[y - 2 : y + 3, x - 2 : x + 3].any(), (x, y)
    assert hot.sum() < 0.05 * hot.size  # spots, not the whole model
    assert not (hot & ~mask).any()  # on the model's surface only
    assert heatmap.samples == np.isfinite(complete.hits_final).all(axis=1).sum() and heatmap.hidden == 0


def test_hits_move_with_their_part_to_its_target(as1_gaze):
    """A hit on a part that ended elsewhere (left on the tray) is drawn on that part at its
    target: take the complete trial's real hits and pretend the rod, which some of them
    lie on, ended 10 cm aside and turned."""
    from app.reports.heatmap import hits_at_poses, model_bounds
    from scenes.transforms import pose_to_matrix

    setup, (complete, _) = as1_gaze
    scene, targets = setup.scene, target_poses(setup)
    index = SceneIndex(scene)
    for pid, pose in targets.items():
        index.set_part_pose(pid, pose)
    ok = np.isfinite(complete.hits_final).all(axis=1)
    hits = complete.hits_final[ok]
    owner = [near[0][0] if (near := index.parts_near(h, 1e-5)) else None for h in hits]
    rod = "as1/rod-assembly/rod"
    on_rod = np.array([o == rod for o in owner])
    assert 0 < on_rod.sum() < len(hits)
    aside = pose_to_matrix(np.array([0.1, 0.02, 0.05, 0.0, 0.0, np.sin(0.4), np.cos(0.4)])) @ targets[rod]
    moved = hits.copy()
    back = aside @ np.linalg.inv(targets[rod])
    moved[on_rod] = moved[on_rod] @ back[:3, :3].T + back[:3, 3]
    full = complete.hits_final.copy()
    full[ok] = moved
    trace = dataclasses.replace(complete, hits_final=full, final_poses={**complete.final_poses, rod: aside})
    size = float(np.linalg.norm(np.ptp(model_bounds(scene, targets), axis=0)))
    np.testing.assert_allclose(hits_at_poses(scene, trace, targets, size), hits, atol=1e-9)


@pytest.mark.gl
def test_report_heatmap_shows_the_model_in_grey_under_the_gaze_density(as1_trials, tmp_path):
    """Through ``xrjig report`` (the stopped trial last): the model is drawn in grey on a flat
    background, so the only colour in the picture is the gaze density, a warm spot at each of
    the three places the complete trial looked at, none of them floating off the model."""
    from scipy import ndimage

    from app.cli import main

    out = tmp_path / "out"
    assert main(["report", *map(str, as1_trials), "--out", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "src='gaze_heatmap.png'" in html and "skipped" not in html
    pixels = rgb(out / "gaze_heatmap.png")
    corners = pixels[[0, 0, -1, -1], [0, -1, 0, -1]]
    assert (np.ptp(corners, axis=0) == 0).all()  # a flat background
    mask = model_mask(pixels)
    rows, cols = np.nonzero(mask)
    assert max(np.ptp(rows) / mask.shape[0], np.ptp(cols) / mask.shape[1]) > 0.7
    coloured = np.ptp(pixels, axis=-1) > 20
    assert (coloured & mask).sum() < 0.03 * mask.sum()  # the green/yellow/blue/red model is grey
    spots, n = ndimage.label(ndimage.binary_dilation(warm(pixels), iterations=2))
    assert n == 3  # the three inspection points the complete trial looked at
    assert not (warm(pixels) & ~mask).any()


@pytest.mark.gl
def test_heatmap_renders_with_egl_without_x(as1_trials, tmp_path):
    """``xrjig report`` in a process without DISPLAY (nor WAYLAND_DISPLAY, QT_QPA_PLATFORM or a
    chosen PyOpenGL platform) draws the heatmap through EGL, pixel for pixel as under X."""
    from app.cli import main

    with_x = tmp_path / "x"
    assert main(["report", *map(str, as1_trials), "--out", str(with_x)]) == 0
    env = {k: v for k, v in os.environ.items()
           if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PYOPENGL_PLATFORM", "EGL_PLATFORM"}}
    no_x = tmp_path / "egl"
    code = (
        "import sys; from app.cli import main; rc = main(sys.argv[1:]); "
        "import OpenGL.platform as p; print('platform', type(p.PLATFORM).__module__); sys.exit(rc)"
    )
    run = subprocess.run([sys.executable, "-c", code, "report", *map(str, as1_trials), "--out", str(no_x)],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    assert "platform OpenGL.platform.egl" in run.stdout, run.stdout
    html = (no_x / "report.html").read_text()
    assert "src='gaze_heatmap.png'" in html, html[html.find("Notes"):]
    egl = rgb(no_x / "gaze_heatmap.png")
    mask = model_mask(egl)
    assert mask.mean() > 0.25  # real model pixels ...
    assert len(np.unique(egl[mask][:, 0])) > 20  # ... shaded, not a flat fill
    assert warm(egl).any()
    assert np.abs(egl - rgb(with_x / "gaze_heatmap.png")).mean() < 1.0


# -- the per-step plot ---------------------------------------------------------------------


def overlapping_labels(fig) -> list[tuple[str, str]]:
    """Pairs of y tick labels of the figure's first axes whose rendered extents overlap."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in fig.axes[0].get_yticklabels() if t.get_visible() and t.get_text()]
    boxes = [t.get_window_extent(renderer) for t in labels]
    return [(a.get_text(), b.get_text()) for (a, ba), (b, bb) in itertools.combinations(zip(labels, boxes, strict=True), 2)
            if ba.overlaps(bb)]


def synthetic_trials(n_steps: int, variants=("novice", "expert"), per_variant: int = 3):
    labels = {f"step{i + 1}": f"Fasten hex bolt M6x30 #{i + 1} through the left l-bracket into the base plate"
              for i in range(n_steps)}
    rng = np.random.default_rng(n_steps)
    trials = []
    for v, k in itertools.product(variants, range(per_variant)):
        steps = [StepMetric(sid, float(i), float(rng.uniform(1, 9)), 0) for i, sid in enumerate(labels)]
        trials.append(TrialMetrics(recording=f"{v}{k}.mcap", participant=f"P{k}", variant=v, device="desktop",
                                   frames=10, duration_s=60.0, completion_time_s=60.0, errors={}, grabs=0,
                                   regrabs=0, snaps=0, path_length_m={"left": 0.0, "right": 0.0}, steps=steps))
    return trials, labels


def check_step_plot(fig, n_steps: int) -> None:
    from app.reports.html import PLOT_DPI, STEP_LABEL_CHARS

    labels = [t for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert len(labels) == n_steps
    assert overlapping_labels(fig) == []
    renderer = fig.canvas.get_renderer()
    w, h = fig.canvas.get_width_height()
    for t in labels:
        box = t.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= w and box.y0 >= 0 and box.y1 <= h, t.get_text()  # not cut off
        assert len(t.get_text()) <= STEP_LABEL_CHARS
    assert fig.get_figwidth() * PLOT_DPI <= 1100  # fits the report's column at its own size


@pytest.mark.parametrize("n_steps", [18, 40])
def test_step_plot_labels_do_not_overlap(n_steps):
    import matplotlib.pyplot as plt

    from app.reports.html import step_times_figure

    trials, labels = synthetic_trials(n_steps)
    fig = step_times_figure(trials, labels)
    try:
        check_step_plot(fig, n_steps)
        texts = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert texts[0].startswith("step1: Fasten") and texts[0].endswith("\u2026")  # long labels elided
        assert [t.split(":")[0] for t in texts] == list(labels)  # in the scenario's order
    finally:
        plt.close(fig)


def test_step_plot_grows_taller_with_more_steps():
    import matplotlib.pyplot as plt

    from app.reports.html import step_times_figure

    figs = [step_times_figure(*synthetic_trials(n)) for n in (5, 18, 40)]
    try:
        heights = [f.get_figheight() for f in figs]
        assert heights[0] < heights[1] < heights[2]
        assert len({f.get_figwidth() for f in figs}) == 1
    finally:
        for f in figs:
            plt.close(f)


def test_as1_report_step_plot_is_readable(as1_trials, tmp_path):
    """The real 18-step AS1 trial through ``xrjig report``: the step plot fits the report's
    column at its own size, and on the same figure (with the sample's step labels) the
    labels do not overlap."""
    import matplotlib.pyplot as plt

    from app.cli import main

    assert main(["report", str(as1_trials[0]), "--out", str(tmp_path), "--no-heatmap"]) == 0
    with Image.open(tmp_path / "step_times.png") as im:
        size = im.size
    assert size[0] <= 1100 and size[1] > 0.6 * size[0], size

    from app.reports.html import PLOT_DPI, step_times_figure

    with Recording(as1_trials[0]) as rec:
        setup = load_setup(rec)
        trial = trial_metrics(rec, gaze_trace(rec, setup))
    labels = {s.id: s.label for s in setup.scenario.steps}
    assert len(trial.steps) == len(labels) == 18
    fig = step_times_figure([trial], labels)
    try:
        check_step_plot(fig, 18)
        assert fig.axes[0].get_yticklabels()[3].get_text() == "step4: Place rod"
        assert (fig.get_figwidth() * PLOT_DPI, fig.get_figheight() * PLOT_DPI) == pytest.approx(size, abs=1)
    finally:
        plt.close(fig)
