"""The HTML trial report: per-variant comparison table with tests, plots, notes.

Statistics: for each metric and variant, n, mean and SD (n - 1). With two variants the
table gives Mann-Whitney U (two-sided; no normality assumption, suits the small n of
usability trials) and Welch's t-test (unequal variances; assumes roughly normal means) for
reference; with three or more, Kruskal-Wallis H. All three treat trials as independent
samples: for a within-subjects design (every participant tried every variant) they are too
conservative and a paired test should be used instead - the report says so.

The report and its plots are written in the language asked for (``language``: "en" or
"zh_CN", app.display.language); the plots then use a font with Chinese glyphs.
"""

from __future__ import annotations

import contextlib
import html
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.display.language import DEFAULT, Catalogue
from interaction.metrics import ERROR_KINDS, TrialMetrics


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name pyside6-lupdate looks for
    """Marks ``text`` for translation (lupdate extracts it); translated when written."""
    return text


#: error kinds' names as the report shows them (interaction.metrics.ERROR_KINDS' values)
ERROR_NAMES = {
    "wrong_part": QT_TRANSLATE_NOOP("Report", "wrong part"),
    "wrong_order": QT_TRANSLATE_NOOP("Report", "wrong order"),
    "out_of_tolerance": QT_TRANSLATE_NOOP("Report", "out of tolerance"),
    "collision": QT_TRANSLATE_NOOP("Report", "collision"),
}
#: the tests' names as shown
TEST_NAMES = (QT_TRANSLATE_NOOP("Report", "Mann-Whitney U"), QT_TRANSLATE_NOOP("Report", "Kruskal-Wallis H"))
#: the label of an error kind's row ("errors: wrong part")
_ERRORS_OF = QT_TRANSLATE_NOOP("Report", "errors: {kind}")

#: (CSV column, label) compared across variants
COMPARED = (
    ("completion_time_s", QT_TRANSLATE_NOOP("Report", "completion time (s)")),
    ("errors_total", QT_TRANSLATE_NOOP("Report", "errors (all kinds)")),
    *((f"errors_{name}", f"errors: {name.replace('_', ' ')}") for name in ERROR_KINDS.values()),
    ("regrabs", QT_TRANSLATE_NOOP("Report", "re-grabs")),
    ("path_right_m", QT_TRANSLATE_NOOP("Report", "right hand path (m)")),
    ("path_left_m", QT_TRANSLATE_NOOP("Report", "left hand path (m)")),
    ("coverage", QT_TRANSLATE_NOOP("Report", "inspection coverage")),
    ("mean_time_to_first_fixation_s", QT_TRANSLATE_NOOP("Report", "time to first fixation (s)")),
    ("nasa_tlx", QT_TRANSLATE_NOOP("Report", "NASA-TLX (raw)")),
    ("sus", "SUS"),
)


#: families with Chinese glyphs that matplotlib may find (Noto CJK from fonts-noto-cjk first)
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN",
             "Microsoft YaHei", "SimHei", "PingFang SC")


def cjk_font() -> str | None:
    """A font family matplotlib knows that has Chinese glyphs, or None. Fonts installed
    after matplotlib built its cache (fonts-noto-cjk by the install script) are asked of
    fontconfig and added."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in known), None)
    if found is not None:
        return found
    import shutil
    import subprocess

    if shutil.which("fc-list") is None:
        return None
    listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=30).stdout
    added = []
    for path in sorted({line.split(":")[0].strip() for line in listed.splitlines() if line.strip()}):
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue
        added += [f.name for f in font_manager.fontManager.ttflist if f.fname == path]
    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in known), added[0] if added else None)


@contextlib.contextmanager
def plot_language(language: str) -> Iterator[None]:
    """Plots drawn inside use a font with the language's glyphs (Chinese: a CJK font)."""
    import matplotlib

    if language == DEFAULT:
        yield
        return
    family = cjk_font()
    # Latin letters and digits from the usual font, the rest from the CJK one (matplotlib
    # falls back along a list of families; some CJK fonts lack digits)
    families = ["DejaVu Sans", *([family] if family else [])]
    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": False}):
        yield


def _translator(language: str) -> Callable[[str, str], str]:
    return Catalogue(language).translate if language != DEFAULT else (lambda _context, text: text)


def metric_label(column: str, label: str, language: str = DEFAULT) -> str:
    """A compared metric's label in ``language``."""
    translate = _translator(language)
    if column.startswith("errors_") and column != "errors_total":
        kind = column[len("errors_"):]
        return translate("Report", _ERRORS_OF).format(kind=translate("Report", ERROR_NAMES.get(kind, kind.replace("_", " "))))
    return translate("Report", label)


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


def step_times_figure(trials: Sequence[TrialMetrics], step_labels: Mapping[str, str] | None = None,
                      language: str = DEFAULT) -> Any:
    """Horizontal bars of the mean time per step for each variant, one dot per trial, steps
    top to bottom with their (elided) labels on the y axis; the figure grows taller with
    the number of steps and variants and keeps a page-wide width. None without steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    translate = _translator(language)
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
    ax.set_xlabel(translate("Report", "step duration (s)"))
    ax.grid(axis="x", alpha=0.3)
    fig.suptitle(translate("Report", "Time per assembly step, by variant (bar: mean, dots: trials)"))
    fig.legend(loc="outside lower center", ncols=min(nv, 4), frameon=False)
    return fig


def _plots(
    trials: Sequence[TrialMetrics], out: Path, step_labels: Mapping[str, str] | None = None,
    language: str = DEFAULT,
) -> list[tuple[str, str]]:
    """(file name, caption) of the PNG plots written to ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    translate = _translator(language)
    variants = sorted({t.variant for t in trials})
    written = []
    fig = step_times_figure(trials, step_labels, language)
    if fig is not None:
        fig.savefig(out / "step_times.png", dpi=PLOT_DPI)
        plt.close(fig)
        written.append(("step_times.png", translate("Report", "Time per step by variant: bar = mean over the variant's "
                                                    "trials, dot = one trial (from the previous step's end to this "
                                                    "step's end)")))
    fig, ax = plt.subplots(figsize=(7, 4))
    names = list(ERROR_KINDS.values())
    width = 0.8 / len(variants)
    for k, v in enumerate(variants):
        group = [t for t in trials if t.variant == v]
        means = [np.mean([t.errors.get(n, 0) for t in group]) for n in names]
        ax.bar(np.arange(len(names)) + (k - (len(variants) - 1) / 2) * width, means, width, label=f"{v} (n={len(group)})")
    ax.set_xticks(np.arange(len(names)), [translate("Report", ERROR_NAMES.get(n, n.replace("_", " "))) for n in names])
    ax.set_ylabel(translate("Report", "errors per trial (mean)"))
    ax.set_ylim(bottom=0, top=max(1.0, ax.get_ylim()[1]))
    ax.set_title(translate("Report", "Errors by kind, by variant"))
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "errors.png", dpi=100)
    plt.close(fig)
    written.append(("errors.png", translate("Report", "Mean errors per trial by kind and variant")))
    times = {v: [t.completion_time_s for t in trials if t.variant == v and t.completed] for v in variants}
    if any(times.values()):
        fig, ax = plt.subplots(figsize=(6, 4))
        for k, v in enumerate(variants):
            ax.scatter(np.full(len(times[v]), k), times[v], color=f"C{k}", alpha=0.7)
            if times[v]:
                ax.hlines(np.mean(times[v]), k - 0.25, k + 0.25, color="k")
        ax.set_xticks(range(len(variants)), variants)
        ax.set_ylabel(translate("Report", "completion time (s)"))
        ax.set_title(translate("Report", "Completion time (completed trials; line: mean)"))
        fig.tight_layout()
        fig.savefig(out / "completion.png", dpi=100)
        plt.close(fig)
        written.append(("completion.png", translate("Report", "Completion time per trial by variant")))
    return written


def _num(x: float, digits: int = 2) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _people_table(trials: Sequence[TrialMetrics], translate: Callable[[str, str], str]) -> list[str]:
    """Per person of each trial recorded in a shared session (none: no table)."""
    shared = [t for t in trials if t.people]
    if not shared:
        return []
    e = html.escape
    heads = (translate("Report", "recording"), translate("Report", "person"), translate("Report", "grabs"),
             translate("Report", "snaps"), translate("Report", "steps done"), translate("Report", "verdicts"),
             translate("Report", "hand path, left / right (m)"))
    title, here = translate("Report", "People in shared sessions"), translate("Report", "recorded here")
    out = [f"<h2>{e(title)}</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr>"]
    for t in shared:
        for p in t.people:
            who = e(p.name) + (f" ({e(here)})" if p.own else "")
            out.append(f"<tr><td>{e(Path(t.recording).name)}</td><td>{who}</td><td>{p.grabs}</td><td>{p.snaps}</td>"
                       f"<td>{p.steps_done}</td><td>{p.verdicts}</td><td>{_num(p.path_length_m['left'])} / "
                       f"{_num(p.path_length_m['right'])}</td></tr>")
    out.append("</table><p><small>" + e(translate(
        "Report", "As each recording saw its session: grabs, snaps, steps and verdicts from its events (what the "
        "others did arrives as commands naming them); hand paths from each person's frames, the others' as "
        "they were received.")) + "</small></p>")
    return out


def write_report(
    trials: Sequence[TrialMetrics],
    out: Path,
    notes: Sequence[str] = (),
    heatmap: Path | None = None,
    step_labels: Mapping[str, str] | None = None,
    language: str = DEFAULT,
) -> Path:
    """Write plots and ``out/report.html``; returns the HTML path. ``step_labels`` (step id
    -> label, in the scenario's order) names and orders the steps in the step plot;
    ``language`` ("en", "zh_CN") is the report's and its plots' language."""
    translate = _translator(language)
    with plot_language(language):
        plots = _plots(trials, out, step_labels, language) if trials else []
    comparison = compare_variants(trials)
    variants = sorted({t.variant for t in trials})
    e = html.escape
    lang = "zh-CN" if language == "zh_CN" else "en"
    words = {
        "page_title": e(translate("Report", "xrjig trial report")),
        "heading": e(translate("Report", "Trial report")),
        "comparison": e(translate("Report", "Comparison by variant")),
        "metric": e(translate("Report", "metric")),
        "test": e(translate("Report", "test")),
        "p_welch": e(translate("Report", "p (Welch t)")),
        "gaze": e(translate("Report", "Gaze on the model")),
        "heatmap": e(translate("Report", "gaze heatmap")),
        "trials": e(translate("Report", "Trials")),
        "notes": e(translate("Report", "Notes")),
    }
    parts = [
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{words['page_title']}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}"
        "td:first-child{text-align:left}.note{color:#a50}img{max-width:100%;height:auto}</style></head><body>",
        f"<h1>{words['heading']}</h1><p>"
        + e(translate("Report", "{n} trial(s), variants: {variants}.").format(n=len(trials), variants=", ".join(variants) or "-"))
        + "</p>",
        f"<h2>{words['comparison']}</h2><table><tr><th>{words['metric']}</th>",
    ]
    mean, sd = e(translate("Report", "mean")), e(translate("Report", "SD"))
    parts += [f"<th>{e(v)}: n</th><th>{mean}</th><th>{sd}</th>" for v in variants]
    parts.append(f"<th>{words['test']}</th><th>p</th><th>{words['p_welch']}</th></tr>")
    for row in comparison:
        cells = "".join(
            f"<td>{row['variants'][v]['n']}</td><td>{_num(row['variants'][v]['mean'])}</td>"
            f"<td>{_num(row['variants'][v]['sd'])}</td>" for v in variants
        )
        test = translate("Report", row["test"]) if row["test"] != "-" else "-"
        parts.append(f"<tr><td>{e(metric_label(row['column'], row['metric'], language))}</td>{cells}<td>{e(test)}</td>"
                     f"<td>{_num(row['p'], 3)}</td><td>{_num(row['p_welch'], 3)}</td></tr>")
    parts.append("</table>")
    parts.append("<p><small>" + e(translate(
        "Report", "Two variants: Mann-Whitney U (two-sided), which assumes independent trials and "
        "makes no normality assumption; Welch's t-test (unequal variances, assumes roughly normal "
        "means) for reference. Three or more variants: Kruskal-Wallis H (independent samples). "
        "If the same participants tried several variants (within-subjects), these independent-sample "
        "tests do not apply; use a paired test (Wilcoxon signed-rank, Friedman). With small n, "
        "p-values are indicative only; no correction for multiple comparisons is applied. "
        "SD uses n - 1. Errors: WRONG_PART, WRONG_ORDER, RELEASE_OUT_OF_TOLERANCE and "
        "COLLISION_START events; time to first fixation: first I-VT fixation (< 30 deg/s) "
        "within the inspection radius of a point.")) + "</small></p>")
    for name, caption in plots:
        parts.append(f"<figure><img src='{e(name)}' alt='{e(caption)}'><figcaption>{e(caption)}</figcaption></figure>")
    if heatmap is not None:
        caption = translate(
            "Report", "Density of gaze hits on the model's surface, all trials of this model, on the "
            "whole model with every part at its target pose (each hit moved with the part it landed on), "
            "seen along the mean gaze direction. Each sample is spread over about 1° of visual angle; "
            "colour: density on a log scale from 1 % of the peak (dark purple) to the peak (pale yellow); "
            "grey: below 1 % of the peak or no gaze.")
        parts.append(
            f"<h2>{words['gaze']}</h2><figure><img src='{e(heatmap.name)}' "
            f"alt='{words['heatmap']}'><figcaption>{e(caption)}</figcaption></figure>"
        )
    heads = (translate("Report", "recording"), translate("Report", "participant"), translate("Report", "variant"),
             translate("Report", "completed"), translate("Report", "time (s)"), translate("Report", "errors"),
             translate("Report", "re-grabs"), "TLX", "SUS")
    parts.append(f"<h2>{words['trials']}</h2><table><tr>"
                 + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr>")
    yes, no = e(translate("Report", "yes")), e(translate("Report", "no"))
    for t in trials:
        r = t.row()
        parts.append(
            f"<tr><td>{e(Path(t.recording).name)}</td><td>{e(t.participant)}</td><td>{e(t.variant)}</td>"
            f"<td>{yes if t.completed else no}</td><td>{_num(t.completion_time_s)}</td>"
            f"<td>{r['errors_total']}</td><td>{t.regrabs}</td><td>{_num(t.tlx, 1)}</td><td>{_num(t.sus, 1)}</td></tr>"
        )
    parts.append("</table>")
    parts += _people_table(trials, translate)
    if notes:
        parts.append(f"<h2>{words['notes']}</h2><ul>" + "".join(f"<li class='note'>{e(n)}</li>" for n in notes) + "</ul>")
    parts.append("</body></html>")
    path = out / "report.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
