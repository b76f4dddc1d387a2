"""Trial metrics computed from a recording's events and frames (never from wall-clock logs).

Definitions (stated in the HTML report as well):

* completion time: first TASK_COMPLETE event minus the first frame's time; None if never.
* step duration: time from the previous STEP_DONE (or the start) to this step's STEP_DONE;
  errors are attributed to the step in progress when they happened.
* errors by kind: WRONG_PART, WRONG_ORDER, RELEASE_OUT_OF_TOLERANCE, COLLISION_START events.
* re-grabs: grabs of a part that had been grabbed before (sum over parts of grabs - 1).
* hand path length: summed grip displacement between consecutive frames in which that hand
  is tracked (tracking gaps are not bridged, so a lost hand does not "teleport" metres).
* gaze per inspection point: a gaze sample is ON a point when the engine's gaze hit on the
  model (first surface along the gaze ray, so occlusion counts) lies within the inspection
  radius of the point's position at that frame - the engine's own definition; a sample is
  part of a fixation when the gaze direction turns slower than 30 deg/s (I-VT, Salvucci &
  Goldberg 2000). Time to first fixation: first fixation sample on the point; dwell: total
  time of samples on the point.
* coverage: share of inspection points seen (POINT_SEEN) or given a verdict (an *accepted*
  POINT_MARKED; a refused mark, e.g. "not seen yet", covers nothing).
* shared sessions: grabs, re-grabs and snaps are this participant's own (events without
  ``by``); steps and completion are the team's. Per person (``people``): grabs (a
  GRAB here, an accepted SHARED_HOLD from another), snaps, steps finished and verdicts
  given, from the events' ``by``; hand path lengths from each person's frames (the
  others' as this participant received them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from interaction.events import Event, EventKind
from interaction.recording import SHARED_SESSION_METADATA, decode_metadata_values

#: event kind -> error name used in tables
ERROR_KINDS = {
    EventKind.WRONG_PART: "wrong_part",
    EventKind.WRONG_ORDER: "wrong_order",
    EventKind.RELEASE_OUT_OF_TOLERANCE: "out_of_tolerance",
    EventKind.COLLISION_START: "collision",
}
FIXATION_MAX_DEG_S = 30.0
#: the FRAME_DTYPE fields the metrics read (a fraction of each frame)
METRIC_FIELDS = ("t", "tracked", "grip", "gaze_origin", "gaze_direction", "gaze_confidence")


@dataclass
class StepMetric:
    step: str
    done_t: float
    duration_s: float
    errors: int


@dataclass
class PointMetric:
    point: str
    time_to_first_fixation_s: float | None
    dwell_s: float


@dataclass
class PersonMetric:
    """What one person of a shared session did, as one participant's recording saw it."""

    name: str
    #: the recording's own participant (the others are seen through what they sent)
    own: bool
    grabs: int
    snaps: int
    steps_done: int
    verdicts: int
    path_length_m: dict[str, float]


@dataclass
class TrialMetrics:
    recording: str
    participant: str
    variant: str
    device: str
    frames: int
    duration_s: float
    completion_time_s: float | None
    errors: dict[str, int]
    grabs: int
    regrabs: int
    snaps: int
    path_length_m: dict[str, float]
    steps: list[StepMetric] = field(default_factory=list)
    points: list[PointMetric] = field(default_factory=list)
    coverage: float | None = None
    tlx: float | None = None
    sus: float | None = None
    #: device switches mid-trial (RecordingReader.device_changes), ``t`` from the trial start
    device_changes: list[dict[str, Any]] = field(default_factory=list)
    #: shared sessions: one entry per person, this participant first (empty when alone)
    people: list[PersonMetric] = field(default_factory=list)

    @property
    def devices(self) -> str:
        """The devices in the order they were used: "camera", or "camera → desktop at 12.3 s"."""
        parts = [self.device] + [f"{c['device']} at {float(c['t']):.1f} s" for c in self.device_changes]
        return " → ".join(parts)

    @property
    def completed(self) -> bool:
        return self.completion_time_s is not None

    def row(self) -> dict[str, Any]:
        """One flat CSV row per trial."""
        row: dict[str, Any] = {
            "recording": self.recording, "participant": self.participant, "variant": self.variant,
            "device": self.device, "devices": self.devices, "device_switches": len(self.device_changes),
            "frames": self.frames, "duration_s": round(self.duration_s, 4),
            "completed": int(self.completed),
            "completion_time_s": None if self.completion_time_s is None else round(self.completion_time_s, 4),
            "errors_total": sum(self.errors.values()),
        }
        row.update({f"errors_{name}": self.errors.get(name, 0) for name in ERROR_KINDS.values()})
        row.update({"grabs": self.grabs, "regrabs": self.regrabs, "snaps": self.snaps,
                    "path_left_m": round(self.path_length_m["left"], 4),
                    "path_right_m": round(self.path_length_m["right"], 4),
                    "coverage": self.coverage, "nasa_tlx": self.tlx, "sus": self.sus})
        fixations = [p.time_to_first_fixation_s for p in self.points if p.time_to_first_fixation_s is not None]
        row["mean_time_to_first_fixation_s"] = round(float(np.mean(fixations)), 4) if fixations else None
        row["total_dwell_s"] = round(sum(p.dwell_s for p in self.points), 4) if self.points else None
        return row

    def point_rows(self) -> list[dict[str, Any]]:
        """One CSV row per trial x inspection point (gaze metrics)."""
        return [{"recording": self.recording, "participant": self.participant, "variant": self.variant,
                 "point": p.point,
                 "time_to_first_fixation_s": None if p.time_to_first_fixation_s is None
                 else round(p.time_to_first_fixation_s, 4),
                 "dwell_s": round(p.dwell_s, 4)}
                for p in self.points]

    def people_rows(self) -> list[dict[str, Any]]:
        """One CSV row per trial x person of a shared session."""
        return [{"recording": self.recording, "participant": self.participant, "variant": self.variant,
                 "person": p.name, "own": int(p.own), "grabs": p.grabs, "snaps": p.snaps,
                 "steps_done": p.steps_done, "verdicts": p.verdicts,
                 "path_left_m": round(p.path_length_m["left"], 4), "path_right_m": round(p.path_length_m["right"], 4)}
                for p in self.people]

    def step_rows(self) -> list[dict[str, Any]]:
        """One CSV row per trial x step."""
        return [{"recording": self.recording, "participant": self.participant, "variant": self.variant,
                 "step": s.step, "order": i + 1, "done_t": round(s.done_t, 4),
                 "duration_s": round(s.duration_s, 4), "errors": s.errors}
                for i, s in enumerate(self.steps)]


def hand_path_lengths(records: np.ndarray) -> dict[str, float]:
    """(n,) FRAME_DTYPE -> metres travelled by each grip, only across tracked-tracked frames."""
    out = {}
    for h, name in enumerate(("left", "right")):
        pos = records["grip"][:, h, :3]
        tracked = records["tracked"][:, h].astype(bool)
        both = tracked[1:] & tracked[:-1]
        out[name] = float(np.linalg.norm(np.diff(pos, axis=0), axis=1)[both].sum()) if len(pos) > 1 else 0.0
    return out


def event_metrics(events: Sequence[Event], start_t: float) -> dict[str, Any]:
    """Completion, steps, errors, grabs, re-grabs and snaps from the event list."""
    errors: Counter[str] = Counter()
    grabs_per_part: Counter[str] = Counter()
    steps: list[StepMetric] = []
    step_start, step_errors = start_t, 0
    completion = None
    snaps = 0
    for e in events:
        if e.kind in ERROR_KINDS:
            errors[ERROR_KINDS[e.kind]] += 1
            step_errors += 1
        elif e.kind == EventKind.GRAB:
            grabs_per_part[e.part or "?"] += 1
        elif e.kind == EventKind.SNAP and "by" not in e.data:
            snaps += 1
        elif e.kind == EventKind.STEP_DONE:
            steps.append(StepMetric(e.step or "?", e.t - start_t, e.t - step_start, step_errors))
            step_start, step_errors = e.t, 0
        elif e.kind == EventKind.TASK_COMPLETE and completion is None:
            completion = e.t - start_t
    grabs = sum(grabs_per_part.values())
    return {"errors": dict(errors), "grabs": grabs, "regrabs": grabs - len(grabs_per_part),
            "snaps": snaps, "steps": steps, "completion_time_s": completion}


def person_metrics(events: Sequence[Event], own: str, own_records: np.ndarray,
                   others: Mapping[str, np.ndarray]) -> list[PersonMetric]:
    """Per person of a shared session (see the module docstring): ``own`` names this
    recording's participant, ``own_records`` and ``others`` (name -> frames) give the
    path lengths. Empty for a trial done alone (no other's frames or events)."""
    names = set(others) | {str(e.data["by"]) for e in events if e.data.get("by")}
    if not names:
        return []
    counts: dict[str, Counter[str]] = {name: Counter() for name in (own, *sorted(names - {own}))}
    for e in events:
        who = str(e.data.get("by") or own)
        if who not in counts:
            continue
        if e.kind == EventKind.GRAB or (e.kind == EventKind.SHARED_HOLD and e.data.get("accepted")):
            counts[who]["grabs"] += 1
        elif e.kind in (EventKind.SNAP, EventKind.STEP_DONE):
            counts[who][e.kind] += 1
        elif e.kind == EventKind.POINT_MARKED and e.data.get("accepted"):
            counts[who]["verdicts"] += 1
    empty = np.zeros(0, dtype=own_records.dtype)
    return [PersonMetric(name, name == own, c["grabs"], c[EventKind.SNAP], c[EventKind.STEP_DONE], c["verdicts"],
                         hand_path_lengths(own_records if name == own else others.get(name, empty)))
            for name, c in counts.items()]


def gaze_point_metrics(
    records: np.ndarray, hits: np.ndarray, points: Mapping[str, np.ndarray], radius_m: float
) -> list[PointMetric]:
    """Time to first fixation and dwell per inspection point (see the module docstring).

    records: (n,) FRAME_DTYPE; hits: (n, 3) gaze hit on the model per frame (NaN: none);
    points: point id -> (n, 3) world position per frame (or (3,) if it never moves).
    """
    t = records["t"]
    n = len(t)
    if n == 0:
        return [PointMetric(pid, None, 0.0) for pid in points]
    norms = np.maximum(np.linalg.norm(records["gaze_direction"], axis=1), 1e-12)
    direction = records["gaze_direction"] / norms[:, None]
    dt = np.diff(t, append=t[-1])
    # angular speed of the gaze direction between consecutive samples (I-VT)
    cos = np.clip(np.einsum("ij,ij->i", direction[1:], direction[:-1]), -1.0, 1.0)
    speed = np.degrees(np.arccos(cos)) / np.maximum(np.diff(t), 1e-9)
    fixation = np.concatenate([[True], speed < FIXATION_MAX_DEG_S])
    out = []
    for pid, position in points.items():
        distance = np.linalg.norm(hits - np.asarray(position, dtype=np.float64), axis=-1)
        on = np.nan_to_num(distance, nan=np.inf) <= radius_m
        first = np.flatnonzero(on & fixation)
        out.append(PointMetric(pid, float(t[first[0]] - t[0]) if len(first) else None, float(dt[on].sum())))
    return out


def coverage(events: Sequence[Event], point_ids: Sequence[str]) -> float | None:
    if not point_ids:
        return None
    seen = {
        e.point
        for e in events
        if e.kind == EventKind.POINT_SEEN
        or (e.kind == EventKind.POINT_MARKED and e.data.get("accepted", True))
    }
    return len(seen & set(point_ids)) / len(point_ids)


def shared_as(recording: Any) -> str:
    """The name a recording's participant had in its shared session (the
    ``SHARED_SESSION_METADATA`` record), else "you"."""
    values = decode_metadata_values(recording.metadata.get(SHARED_SESSION_METADATA, {}))
    name = values.get("as")
    return name if isinstance(name, str) and name else "you"


def trial_metrics(recording: Any, gaze: Any = None) -> TrialMetrics:
    """All metrics of one ``interaction.recording_reader.Recording``.

    ``gaze`` (an ``interaction.recording_rerun.GazeTrace``: per-frame gaze hits and point
    positions from re-running the engine) enables the gaze metrics; the session metadata's
    ``inspection_points`` (ids) enables coverage.
    """
    records = recording.columns(METRIC_FIELDS)
    events = recording.events
    session = recording.session
    start = float(records["t"][0]) if len(records) else 0.0
    m = event_metrics(events, start)
    q = recording.questionnaires
    point_ids = list(session.get("inspection_points") or (gaze.points if gaze is not None else {}))
    params = session.get("params") or {}
    radius = float(params.get("inspection_radius_mm", 15.0)) / 1000
    return TrialMetrics(
        recording=str(recording.path),
        participant=str(session.get("participant", "")),
        variant=str(session.get("variant") or "default"),
        device=str(session.get("device", "")),
        frames=len(records),
        duration_s=float(records["t"][-1] - start) if len(records) else 0.0,
        completion_time_s=m["completion_time_s"],
        errors=m["errors"],
        grabs=m["grabs"],
        regrabs=m["regrabs"],
        snaps=m["snaps"],
        path_length_m=hand_path_lengths(records),
        steps=m["steps"],
        points=gaze_point_metrics(records, gaze.hits, gaze.points, radius) if gaze is not None else [],
        coverage=coverage(events, point_ids),
        tlx=q.get("nasa_tlx", {}).get("score"),
        sus=q.get("sus", {}).get("score"),
        device_changes=[{**c, "t": float(c["t"]) - start} for c in recording.device_changes],
        people=person_metrics(events, shared_as(recording), records, recording.others(("t", "tracked", "grip"))),
    )
