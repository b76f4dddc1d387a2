"""``xrjig report``: CSVs, comparison table with tests, plots and the gaze heatmap."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PIL import Image

from app.cli import main
from interaction.questionnaires import NasaTlx, Sus
from interaction.recording_reader import Recording
from tests.test_replay_verify import record, rewrite

#: participant, variant, raw NASA-TLX subscales (all six equal -> score = that value), SUS
TRIALS = [("P1", "A", 20, (4, 2, 4, 2, 4, 2, 4, 2, 4, 2)), ("P2", "A", 30, (5, 1, 5, 1, 5, 1, 5, 1, 5, 1)),
          ("P3", "B", 60, (3,) * 10), ("P4", "B", 70, (1, 5, 1, 5, 1, 5, 1, 5, 1, 5))]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    paths = []
    for participant, variant, tlx, sus in TRIALS:
        raw = record(folder, f"raw-{participant}.mcap", variant=variant, participant=participant)
        path = folder / f"{participant}.mcap"
        rewrite(raw, path, metadata={
            "xrjig.questionnaire.nasa_tlx": NasaTlx(*(tlx,) * 6).to_dict(),
            "xrjig.questionnaire.sus": Sus(sus).to_dict(),
        })
        paths.append(path)
    out = folder / "out"
    assert main(["report", *map(str, paths), "--out", str(out)]) == 0
    return out, paths


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_trials_csv_has_one_row_per_trial_with_checked_values(report):
    out, paths = report
    rows = _rows(out / "trials.csv")
    assert [r["participant"] for r in rows] == ["P1", "P2", "P3", "P4"]
    assert [r["variant"] for r in rows] == ["A", "A", "B", "B"]
    # SUS by hand: P1 odd 5x3 + even 5x3 = 30 -> 75; P2 all best -> 100; P3 neutral -> 50; P4 worst -> 0
    assert [float(r["sus"]) for r in rows] == [75.0, 100.0, 50.0, 0.0]
    assert [float(r["nasa_tlx"]) for r in rows] == [20.0, 30.0, 60.0, 70.0]
    for row, path in zip(rows, paths, strict=True):
        with Recording(path) as rec:
            done = next(e.t for e in rec.events if e.kind == "TASK_COMPLETE") - rec.start_t
            grabs = sum(e.kind == "GRAB" for e in rec.events)
            grip = rec.frames["grip"][:, 1, :3]
        assert float(row["completion_time_s"]) == pytest.approx(done, abs=1e-4)
        assert int(row["grabs"]) == grabs and row["completed"] == "1"
        assert float(row["coverage"]) == 1.0  # the single inspection point was seen
        # the autopilot tracks only its right hand, every frame
        assert float(row["path_right_m"]) == pytest.approx(np.linalg.norm(np.diff(grip, axis=0), axis=1).sum(), abs=1e-4)
        assert float(row["path_left_m"]) == 0.0
        assert row["mean_time_to_first_fixation_s"] != ""  # the autopilot looked at the point
    # variant B dwells 0.8 s instead of 0.4 s on the inspection point: it takes longer
    assert float(rows[2]["completion_time_s"]) > float(rows[0]["completion_time_s"])


def test_steps_csv_has_one_row_per_trial_and_step(report):
    out, _ = report
    rows = _rows(out / "steps.csv")
    assert len(rows) == 4 and {r["step"] for r in rows} == {"step1"}
    assert all(float(r["duration_s"]) > 0 and r["order"] == "1" for r in rows)


def test_points_csv_has_gaze_per_trial_and_point(report):
    out, paths = report
    rows = _rows(out / "points.csv")
    assert [(r["participant"], r["point"]) for r in rows] == [(p, "top") for p, *_ in TRIALS]
    for row, path in zip(rows, paths, strict=True):
        with Recording(path) as rec:
            seen = next(e for e in rec.events if e.kind == "POINT_SEEN")
            dwell = rec.session["params"]["dwell_time_s"]
            dt = rec.frame_at(1).t - rec.frame_at(0).t
        # the engine says the point was seen after ``dwell`` seconds of gaze on it (counting
        # the first frame on it as one dt), so the first fixation came no later than that
        # and the dwell lasted at least that long
        assert float(row["time_to_first_fixation_s"]) <= seen.t - rec.start_t - dwell + dt + 1e-6
        assert float(row["dwell_s"]) >= dwell - 1e-6


def test_html_has_comparison_with_hand_checked_test_and_images(report):
    out, _ = report
    html = (out / "report.html").read_text()
    assert "Mann-Whitney U" in html and "Welch" in html and "within-subjects" in html
    # NASA-TLX A = {20, 30} vs B = {60, 70}: completely separated, exact two-sided
    # Mann-Whitney p = 2 x 1 / C(4, 2) = 0.333
    row = next(line for line in html.splitlines() if line.startswith("<tr><td>NASA-TLX"))
    assert "<td>Mann-Whitney U</td><td>0.333</td>" in row
    assert "<td>2</td><td>25.00</td><td>7.07</td>" in row  # A: n, mean, SD (n - 1)
    for image in ("step_times.png", "errors.png", "completion.png"):
        assert f"src='{image}'" in html
        with Image.open(out / image) as im:
            assert im.format == "PNG" and im.width > 300


@pytest.mark.gl
def test_gaze_heatmap_is_rendered_on_the_model(report):
    out, _ = report
    html = (out / "report.html").read_text()
    assert "src='gaze_heatmap.png'" in html, html[html.find("Notes"):]
    with Image.open(out / "gaze_heatmap.png") as im:
        pixels = np.asarray(im.convert("RGB")).astype(int)
    assert pixels.shape == (720, 960, 3)
    # inferno's warm end (orange to pale yellow: red well above blue) marks the looked-at
    # spot; the white background and the model, drawn in grey, have red == blue
    warm = (pixels[..., 0] > 150) & (pixels[..., 0] - pixels[..., 2] > 60)
    assert 20 < warm.sum() < 0.05 * warm.size  # a spot where the autopilot looked, not everywhere
    assert "target pose" in html  # the caption says what the picture shows


def test_three_variants_use_kruskal_wallis_checked_by_hand():
    from app.reports.html import compare_variants
    from interaction.metrics import TrialMetrics

    def trial(variant, tlx):
        return TrialMetrics(recording=f"{variant}{tlx}.mcap", participant="P", variant=variant, device="d",
                            frames=10, duration_s=1.0, completion_time_s=None, errors={}, grabs=0, regrabs=0,
                            snaps=0, path_length_m={"left": 0.0, "right": 0.0}, tlx=tlx)

    trials = [trial("A", 10), trial("A", 20), trial("B", 30), trial("B", 40), trial("C", 50), trial("C", 60)]
    row = next(r for r in compare_variants(trials) if r["column"] == "nasa_tlx")
    # ranks A {1, 2}, B {3, 4}, C {5, 6}, N = 6, no ties:
    # H = 12 / (6 * 7) * (3^2 / 2 + 7^2 / 2 + 11^2 / 2) - 3 * 7 = 4.5714
    # p = chi-squared(2 df) survival = exp(-H / 2) = 0.1017
    assert row["test"] == "Kruskal-Wallis H"
    assert row["p"] == pytest.approx(np.exp(-(12 / 42 * (9 + 49 + 121) / 2 - 21) / 2), rel=1e-9)
    assert row["variants"]["B"] == {"n": 2, "mean": 35.0, "sd": pytest.approx(np.sqrt(50))}
    assert all(r["test"] == "-" for r in compare_variants(trials) if r["column"] == "errors_total")
