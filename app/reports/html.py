"""The HTML trial report: per-variant comparison table with tests, plots, notes.

Statistics: for each metric and variant, n, mean and SD (n - 1). With two variants the
table gives Mann-Whitney U (two-sided; no normality assumption, suits the small n of
usability trials) and Welch's t-test (unequal variances; assumes roughly normal means) for
reference; with three or more, Kruskal-Wallis H. All three treat trials as independent
samples: for a within-subjects design (every participant tried every variant) they are too
conservative and a paired test should be used instead - the report says so.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from interaction.metrics import ERROR_KINDS, TrialMetrics

#: (CSV column, label) compared across variants
COMPARED = (
    ("completion_time_s", "completion time (s)"),
    ("errors_total", "errors (all kinds)"),
    *((f"errors_{name}", f"errors: {name.replace('_', ' ')}") for name in ERROR_KINDS.values()),
    ("regrabs", "re-grabs"),
    ("path_right_m", "right hand path (m)"),
    ("path_left_m", "left hand path (m)"),
    ("coverage", "inspection coverage"),
    ("mean_time_to_first_fixation_s", "time to first fixation (s)"),
    ("nasa_tlx", "NASA-TLX (raw)"),
    ("sus", "SUS"),
)


def compare_variants(trials: Sequence[TrialMetrics]) -> list[dict[str, Any]]:
    """One dict per compared metric: per-variant n/mean/sd and the test (see module doc)."""
    from scipy import stats

    variants = sorted({t.variant for t in trials})
    rows = []
    for column, label in COMPARED:
        groups = {v: [float(t.row()[column]) for t in trials if t.variant == v and t.row()[column] is not None]
                  for v in variants}
        if not any(groups.values()):
            continue
        row: dict[str, Any] = {"metric": label, "column": column, "variants": {}}
        for v, values in groups.items():
            a = np.asarray(values)
            row["variants"][v] = {"n": len(a), "mean": float(a.mean()) if len(a) else math.nan,
                                  "sd": float(a.std(ddof=1)) if len(a) > 1 else math.nan}
        testable = [np.asarray(g) for g in groups.values() if len(g) >= 2]
        row["test"], row["p"], row["p_welch"] = "-", math.nan, math.nan
        varies = [float(np.ptp(g)) > 1e-9 * max(1.0, float(np.abs(g).max())) for g in testable]
        pooled_varies = len(testable) > 1 and float(np.ptp(np.concatenate(testable))) > 0
        if len(testable) == len(variants) == 2 and pooled_varies:
            row["test"] = "Mann-Whitney U"
            row["p"] = float(stats.mannwhitneyu(*testable, alternative="two-sided").pvalue)
            if all(varies):  # Welch's t is undefined for a group without spread
                row["p_welch"] = float(stats.ttest_ind(*testable, equal_var=False).pvalue)
        elif len(testable) == len(variants) >= 3 and pooled_varies:
            row["test"] = "Kruskal-Wallis H"
            row["p"] = float(stats.kruskal(*testable).pvalue)
        rows.append(row)
    return rows


#: step labels longer than this many characters are cut with an ellipsis
STEP_LABEL_CHARS = 40
#: figure width in inches (at PLOT_DPI it fits the report's 1100 px column)
STEP_PLOT_WIDTH_IN = 8.0
PLOT_DPI = 100


def elide(text: str, limit: int = STEP_LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _step_order(trials: Sequence[TrialMetrics], step_labels: Mapping[str, str]) -> list[str]:
    """Step ids done in any trial: in the scenario's order, then the unknown ones as seen."""
    seen = dict.fromkeys(s.step for t in trials for s in t.steps)
    return [sid for sid in step_labels if sid in seen] + [sid for sid in seen if sid not in step_labels]


def step_times_figure(trials: Sequence[TrialMetrics], step_labels: Mapping[str, str] | None = None) -> Any:
    """Horizontal bars of the mean time per step for each variant, one dot per trial, steps
    top to bottom with their (elided) labels on the y axis; the figure grows taller with
    the number of steps and variants and keeps a page-wide width. None without steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    step_labels = dict(step_labels or {})
    steps = _step_order(trials, step_labels)
    if not steps:
        return None
    variants = sorted({t.variant for t in trials})
    nv = len(variants)
    row_in = max(0.3, 0.18 * nv)  # height per step: every variant's bar stays visible
    fig, ax = plt.subplots(figsize=(STEP_PLOT_WIDTH_IN, 1.6 + row_in * len(steps)), layout="constrained")
    width = 0.8 / nv
    y = np.arange(len(steps))
    for k, v in enumerate(variants):
        pos = y + (k - (nv - 1) / 2) * width
        data = [[s.duration_s for t in trials if t.variant == v for s in t.steps if s.step == step] for step in steps]
        means = [float(np.mean(d)) if d else np.nan for d in data]
        n = sum(t.variant == v for t in trials)
        ax.barh(pos, means, height=width * 0.9, color=f"C{k}", alpha=0.55, label=f"{v} (n={n})")
        xs = [x for d in data for x in d]
        ys = [p for p, d in zip(pos, data, strict=True) for _ in d]
        ax.plot(xs, ys, "o", color=f"C{k}", markeredgecolor="k", markersize=3.5, linestyle="none")
    names = []
    for sid in steps:
        label = step_labels.get(sid, "")
        names.append(elide(f"{sid}: {label}" if label and label != sid else sid))
    ax.set_yticks(y, names)
    ax.set_ylim(len(steps) - 0.5, -0.5)  # the first step on top
    longest = max((s.duration_s for t in trials for s in t.steps), default=0.0)
    ax.set_xlim(0, max(1.06 * longest, 1e-3))  # room for the dot of the slowest trial
    ax.set_xlabel("step duration (s)")
    ax.grid(axis="x", alpha=0.3)
    fig.suptitle("Time per assembly step, by variant (bar: mean, dots: trials)")
    fig.legend(loc="outside lower center", ncols=min(nv, 4), frameon=False)
    return fig


def _plots(
    trials: Sequence[TrialMetrics], out: Path, step_labels: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """(file name, caption) of the PNG plots written to ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    variants = sorted({t.variant for t in trials})
    written = []
    fig = step_times_figure(trials, step_labels)
    if fig is not None:
        fig.savefig(out / "step_times.png", dpi=PLOT_DPI)
        plt.close(fig)
        written.append(("step_times.png", "Time per step by variant: bar = mean over the variant's trials, "
                                          "dot = one trial (from the previous step's end to this step's end)"))
    fig, ax = plt.subplots(figsize=(7, 4))
    names = list(ERROR_KINDS.values())
    width = 0.8 / len(variants)
    for k, v in enumerate(variants):
        group = [t for t in trials if t.variant == v]
        means = [np.mean([t.errors.get(n, 0) for t in group]) for n in names]
        ax.bar(np.arange(len(names)) + (k - (len(variants) - 1) / 2) * width, means, width, label=f"{v} (n={len(group)})")
    ax.set_xticks(np.arange(len(names)), [n.replace("_", " ") for n in names])
    ax.set_ylabel("errors per trial (mean)")
    ax.set_ylim(bottom=0, top=max(1.0, ax.get_ylim()[1]))
    ax.set_title("Errors by kind, by variant")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "errors.png", dpi=100)
    plt.close(fig)
    written.append(("errors.png", "Mean errors per trial by kind and variant"))
    times = {v: [t.completion_time_s for t in trials if t.variant == v and t.completed] for v in variants}
    if any(times.values()):
        fig, ax = plt.subplots(figsize=(6, 4))
        for k, v in enumerate(variants):
            ax.scatter(np.full(len(times[v]), k), times[v], color=f"C{k}", alpha=0.7)
            if times[v]:
                ax.hlines(np.mean(times[v]), k - 0.25, k + 0.25, color="k")
        ax.set_xticks(range(len(variants)), variants)
        ax.set_ylabel("completion time (s)")
        ax.set_title("Completion time (completed trials; line: mean)")
        fig.tight_layout()
        fig.savefig(out / "completion.png", dpi=100)
        plt.close(fig)
        written.append(("completion.png", "Completion time per trial by variant"))
    return written


def _num(x: float, digits: int = 2) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def write_report(
    trials: Sequence[TrialMetrics],
    out: Path,
    notes: Sequence[str] = (),
    heatmap: Path | None = None,
    step_labels: Mapping[str, str] | None = None,
) -> Path:
    """Write plots and ``out/report.html``; returns the HTML path. ``step_labels`` (step id
    -> label, in the scenario's order) names and orders the steps in the step plot."""
    plots = _plots(trials, out, step_labels) if trials else []
    comparison = compare_variants(trials)
    variants = sorted({t.variant for t in trials})
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>xrjig trial report</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}"
        "td:first-child{text-align:left}.note{color:#a50}img{max-width:100%;height:auto}</style></head><body>",
        f"<h1>Trial report</h1><p>{len(trials)} trial(s), variants: {e(', '.join(variants)) or '-'}.</p>",
        "<h2>Comparison by variant</h2><table><tr><th>metric</th>",
    ]
    parts += [f"<th>{e(v)}: n</th><th>mean</th><th>SD</th>" for v in variants]
    parts.append("<th>test</th><th>p</th><th>p (Welch t)</th></tr>")
    for row in comparison:
        cells = "".join(
            f"<td>{row['variants'][v]['n']}</td><td>{_num(row['variants'][v]['mean'])}</td>"
            f"<td>{_num(row['variants'][v]['sd'])}</td>" for v in variants
        )
        parts.append(f"<tr><td>{e(row['metric'])}</td>{cells}<td>{e(row['test'])}</td>"
                     f"<td>{_num(row['p'], 3)}</td><td>{_num(row['p_welch'], 3)}</td></tr>")
    parts.append("</table>")
    parts.append(
        "<p><small>Two variants: Mann-Whitney U (two-sided), which assumes independent trials and "
        "makes no normality assumption; Welch's t-test (unequal variances, assumes roughly normal "
        "means) for reference. Three or more variants: Kruskal-Wallis H (independent samples). "
        "If the same participants tried several variants (within-subjects), these independent-sample "
        "tests do not apply; use a paired test (Wilcoxon signed-rank, Friedman). With small n, "
        "p-values are indicative only; no correction for multiple comparisons is applied. "
        "SD uses n - 1. Errors: WRONG_PART, WRONG_ORDER, RELEASE_OUT_OF_TOLERANCE and "
        "COLLISION_START events; time to first fixation: first I-VT fixation (&lt; 30 deg/s) "
        "within the inspection radius of a point.</small></p>"
    )
    for name, caption in plots:
        parts.append(f"<figure><img src='{e(name)}' alt='{e(caption)}'><figcaption>{e(caption)}</figcaption></figure>")
    if heatmap is not None:
        parts.append(
            f"<h2>Gaze on the model</h2><figure><img src='{e(heatmap.name)}' alt='gaze heatmap'>"
            "<figcaption>Density of gaze hits on the model's surface, all trials of this model, on the "
            "whole model with every part at its target pose (each hit moved with the part it landed on), "
            "seen along the mean gaze direction. Each sample is spread over about 1&deg; of visual angle; "
            "colour: density on a log scale from 1 % of the peak (dark purple) to the peak (pale yellow); "
            "grey: below 1 % of the peak or no gaze.</figcaption></figure>"
        )
    parts.append("<h2>Trials</h2><table><tr><th>recording</th><th>participant</th><th>variant</th>"
                 "<th>completed</th><th>time (s)</th><th>errors</th><th>re-grabs</th><th>TLX</th><th>SUS</th></tr>")
    for t in trials:
        r = t.row()
        parts.append(
            f"<tr><td>{e(Path(t.recording).name)}</td><td>{e(t.participant)}</td><td>{e(t.variant)}</td>"
            f"<td>{'yes' if t.completed else 'no'}</td><td>{_num(t.completion_time_s)}</td>"
            f"<td>{r['errors_total']}</td><td>{t.regrabs}</td><td>{_num(t.tlx, 1)}</td><td>{_num(t.sus, 1)}</td></tr>"
        )
    parts.append("</table>")
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li class='note'>{e(n)}</li>" for n in notes) + "</ul>")
    parts.append("</body></html>")
    path = out / "report.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
