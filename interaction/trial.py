"""A trial: one participant doing one scenario variant on one device, recorded to one file.

Questionnaires are written INTO the recording, before it is closed, rather than to a sidecar
JSON: one self-contained file per trial cannot lose or mismatch its answers when files are
copied between machines, and MCAP files cannot be appended to after the summary is written.
The price is that the recording stays open (no frames, no CPU) while the participant answers;
frames and events are already on disk by then, so a crash at that point loses only answers.
"""

from __future__ import annotations

import hashlib
import platform
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from interaction.events import Event
from interaction.frame import InputFrame
from interaction.questionnaires import NasaTlx, Sus, questionnaire_kind
from interaction.recording import DEVICE_CHANGE_PREFIX, FORMAT_VERSION, SHARED_SESSION_METADATA
from interaction.recording_writer import Recorder

#: distributions whose versions are stored with every recording (what can change outcomes)
VERSIONED = ("xrjig", "numpy", "scipy", "trimesh", "embreex", "python-fcl", "mcap", "zstandard")


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def dependency_versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in VERSIONED:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def session_metadata(
    *,
    participant: str,
    scenario_path: str | Path,
    scene_path: str | Path,
    variant: str | None,
    params: Mapping[str, Any],
    device: str,
    device_assist: str = "",
    steps: Sequence[str] = (),
    inspection_points: Sequence[str] = (),
    started_utc: str | None = None,
    model_quality: str | None = None,
) -> dict[str, Any]:
    """Everything a later replay needs to re-run the trial and to notice what changed since.

    ``device_assist`` says in words what the input device did for the participant beyond
    passing their movements on (the desktop device's carry assist), so an analyst can tell
    assisted trials from others. ``model_quality``: a STEP model's tessellation quality
    (its name or numbers), which a replay must load it at to see the same triangles."""
    scenario_path, scene_path = Path(scenario_path).resolve(), Path(scene_path).resolve()
    return {
        "format_version": FORMAT_VERSION,
        "participant": participant,
        "device": device,
        "device_assist": device_assist,
        "started_utc": started_utc or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "scenario_path": str(scenario_path),
        "scenario_sha256": file_sha256(scenario_path),
        "scene_path": str(scene_path),
        "scene_sha256": file_sha256(scene_path),
        "variant": variant,
        "params": dict(params),
        "steps": list(steps),
        "inspection_points": list(inspection_points),
        "versions": dependency_versions(),
        **({"model_quality": model_quality} if model_quality else {}),
    }


class Trial:
    """Record a trial; ``record`` per engine step, then ``end_task``, questionnaires, ``close``."""

    def __init__(self, path: str | Path, session: Mapping[str, Any]) -> None:
        self.session = dict(session)
        self.recorder = Recorder(path, self.session)
        self._first_t: float | None = None
        self._last_t = 0.0
        self._event_count = 0
        self._device_changes = 0

    @property
    def error(self) -> str | None:
        return self.recorder.error

    def record(self, frame: InputFrame, events: Iterable[Event] = (), commands: Iterable[Any] = ()) -> None:
        events = list(events)
        if self._first_t is None:
            self._first_t = frame.t
        self._last_t = frame.t
        self._event_count += len(events)
        self.recorder.write_frame(frame, events, commands)

    def write_frame(self, frame: InputFrame, events: Iterable[Event] = (), commands: Iterable[Any] = ()) -> None:
        """``record`` under the name app.session's FrameRecorder protocol uses, so a live
        session records straight into the trial."""
        self.record(frame, events, commands)

    def write_params(self, params: Mapping[str, Any], rebuilt: bool) -> None:
        self.recorder.write_params(params, rebuilt)

    def write_other(self, name: str, frame: InputFrame, t: float) -> None:
        """Another participant's input in a shared session (see Recorder.write_other)."""
        self.recorder.write_other(name, frame, t)

    def joined_session(self, session: str, name: str, role: str) -> None:
        """Note that this trial is (from now on) part of shared session ``session``, where
        its participant is called ``name``: its metrics then name everyone consistently."""
        self.recorder.add_metadata(SHARED_SESSION_METADATA, {"session": session, "as": name, "role": role})

    def device_changed(self, device: str, reason: str | None = None, assist: str = "") -> None:
        """Note that input comes from ``device`` from the next frame on; ``reason``: why the
        previous one stopped, when it failed (a camera unplugged, a headset session lost).
        The session metadata names the device a trial started with; an analyst must also
        know which input produced which part of the data."""
        self._device_changes += 1
        self.recorder.add_metadata(f"{DEVICE_CHANGE_PREFIX}{self._device_changes}", {
            "from_frame": self.recorder.frame_count,
            "t": self._last_t,
            "device": device,
            "reason": reason or "",
            "assist": assist,
        })

    def end_task(self, **outcome: Any) -> None:
        """Mark the end of the task (frame count, duration and anything the caller adds)."""
        first = self._first_t if self._first_t is not None else 0.0
        self.recorder.add_metadata("xrjig.end", {
            "frames": self.recorder.frame_count,
            "events": self._event_count,
            "duration_s": self._last_t - first,
            "ended_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **outcome,
        })

    def submit(self, questionnaire: NasaTlx | Sus) -> None:
        """Store the participant's answers (with the computed score) in the recording."""
        self.recorder.add_metadata(f"xrjig.questionnaire.{questionnaire_kind(questionnaire)}",
                                   questionnaire.to_dict())

    def close(self) -> None:
        self.recorder.close()

    def __enter__(self) -> Trial:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
