"""Robustness figures for the hostile-input issue: a long soak, and what a SIGKILL loses.

SOAK. Input: the bundled AS1 sample scenario (variant "novice") done by the autopilot over
and over inside ONE recording (a Trial), at full speed for ``--minutes`` wall minutes: each
lap is a fresh ``Autopilot`` whose first frame carries a ``Reset`` command, frame times run
on (the autopilot's 30 Hz clock, offset by the previous lap's end), and every frame goes
through the session's ``Runner`` (canonical frame -> engine step -> the trial's recorder). RSS (VmRSS) is
sampled every ``--sample-s`` seconds; the figures (RSS after a ``--warmup-s`` warm-up and at
the end, least-squares slope per wall hour and per recorded hour) use the samples after the
warm-up. The recording is then re-run through a fresh engine (``recording_rerun.verify``),
which takes about as long as the soak.

Peer measured in the same run: the same frames (the first lap's, with times running on) as
raw bytes, one message per frame, through the plain mcap ``Writer`` (zstd, default chunks; as
bench_recording.py's raw MCAP peer), in a spawned child process paced to xrjig's frame rate for
the same wall time, with the same RSS sampling. The peer has no engine, so the ratio is "whole
xrjig session vs bare MCAP writing". Slopes this small are noisy: both absolute figures (with
their standard errors) are printed before the ratio. The per-recorded-hour slope is what a
live (1x) session sees. Expect xrjig's to be mostly the mcap Writer's summary: it keeps one
ChunkIndex per chunk in memory until ``finish()``, and xrjig closes a chunk every 0.5 s of
frame time (for the kill -9 figure) where the peer's chunks are 1 MiB (~20 s of AS1 frames).

KILL -9. Input: bench_recording.py's synthetic 90 Hz two-handed frames, written in REAL time
by a child process that prints each frame number once written; the parent SIGKILLs it at
``--kills`` random moments between 2 and 8 s and opens what is left. Lost seconds = time of
the last frame the child reported written - the end of what can be read (for xrjig,
``Recording.end_t``, and the reader must say the file "ends early"). Peers measured in the same
run, killed at the same moments: the plain mcap Writer with one message per frame and
``flush()`` every 0.5 s of frame time (the same flush policy as xrjig's Recorder), and the
mcap Writer with its defaults (1 MiB chunks, no flush). The ratio is xrjig's max loss against
the flushing peer's, and against the README's promise ("a killed process loses at most the
last second", 1.0 s). A SIGKILL keeps what reached the OS; a power cut (no fsync) may lose more.

    .venv/bin/python bench/bench_soak.py [--minutes 10] [--kills 10]
    .venv/bin/python bench/bench_soak.py --minutes 60 --kills 0     # the hour-long soak by hand
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import zstandard
from mcap.exceptions import EndOfFile, McapError
from mcap.records import Message
from mcap.stream_reader import CRCValidationError, StreamReader
from mcap.writer import CompressionType, Writer

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from bench_recording import HZ, synthetic_records  # noqa: E402

from interaction.autopilot import RATE_HZ, Autopilot  # noqa: E402
from interaction.commands import Command, Reset  # noqa: E402
from interaction.frame import InputFrame  # noqa: E402
from interaction.params import scenario_params  # noqa: E402
from interaction.recording import FRAMES_TOPIC, quantize  # noqa: E402
from interaction.recording_reader import Recording  # noqa: E402
from interaction.recording_rerun import load_setup, verify  # noqa: E402
from interaction.recording_writer import Recorder  # noqa: E402
from interaction.runner import Runner  # noqa: E402
from interaction.trial import Trial, session_metadata  # noqa: E402
from scenes.index import SceneIndex  # noqa: E402
from scenes.samples import SAMPLE_SCENARIO  # noqa: E402
from scenes.scenario import load_scenario  # noqa: E402

#: frames a kill child has to write: 10 s at 90 Hz, past the latest kill moment (8 s)
KILL_FRAMES = int(10 * HZ)
KILL_WINDOW_S = (2.0, 8.0)
#: the README's promise for a killed process
PROMISED_LOSS_S = 1.0
#: what a truncated MCAP file raises when read to its cut-off end
_CUT_OFF = (EndOfFile, McapError, CRCValidationError, struct.error, ValueError, zstandard.ZstdError)


# -- RSS sampling -------------------------------------------------------------------------

def rss_mb() -> float:
    """This process's resident set (VmRSS) in MB; what an OOM killer and a user look at."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError("no VmRSS in /proc/self/status (not Linux?)")


@dataclass
class Sample:
    wall_s: float
    recorded_s: float
    rss_mb: float


@dataclass
class Sampler:
    """RSS every ``every_s`` wall seconds; checked per frame, so it costs one clock read."""

    every_s: float
    start: float = field(default_factory=time.perf_counter)
    samples: list[Sample] = field(default_factory=list)
    _next: float = 0.0

    def maybe(self, recorded_s: float) -> None:
        wall = time.perf_counter() - self.start
        if wall >= self._next:
            self.samples.append(Sample(wall, recorded_s, rss_mb()))
            self._next = wall + self.every_s

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start


@dataclass
class Fit:
    """A least-squares line through RSS samples: slope (MB per hour of x) and its std error."""

    per_hour: float
    stderr: float


def fit_per_hour(x_s: list[float], y_mb: list[float]) -> Fit:
    """Slope of y against x (seconds), scaled to an hour; NaN with fewer than three points."""
    if len(x_s) < 3:
        return Fit(float("nan"), float("nan"))
    x, y = np.asarray(x_s), np.asarray(y_mb)
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    spread = float(np.sum((x - x.mean()) ** 2))
    stderr = float(np.sqrt(np.sum(resid**2) / (len(x) - 2) / spread)) if spread > 0 else float("nan")
    return Fit(float(slope) * 3600, stderr * 3600)


@dataclass
class Growth:
    """RSS over a soak, after its warm-up."""

    start_mb: float
    end_mb: float
    wall: Fit
    recorded: Fit
    samples: int


def growth(samples: list[Sample], warmup_s: float) -> Growth:
    """The figures from the samples taken after the warm-up (allocator pools, caches and
    the first lap's one-off costs are not growth)."""
    kept = [s for s in samples if s.wall_s >= warmup_s] or samples[-1:]
    return Growth(kept[0].rss_mb, kept[-1].rss_mb,
                  fit_per_hour([s.wall_s for s in kept], [s.rss_mb for s in kept]),
                  fit_per_hour([s.recorded_s for s in kept], [s.rss_mb for s in kept]), len(kept))


# -- the soak ------------------------------------------------------------------------------

@dataclass
class Soak:
    samples: list[Sample]
    wall_s: float
    recorded_s: float
    frames: int
    laps: int
    completed_laps: int
    events: int
    #: the first lap's frames as stepped (canonical, times from 0): the peer writes these
    lap_frames: list[bytes]
    lap_s: float


def soak_xrjig(path: Path, wall_s: float, every_s: float) -> Soak:
    """Autopilot laps of AS1 in one recording until ``wall_s`` have passed (see the module
    docstring); stops at a lap's end so every lap in the file is whole."""
    scenario = load_scenario(SAMPLE_SCENARIO)
    scene = scenario.scene
    assert scene is not None  # load_scenario always attaches the loaded scene
    params = scenario_params(scenario, "novice")
    meta = session_metadata(participant="soak", scenario_path=SAMPLE_SCENARIO, scene_path=scenario.model,
                            variant="novice", params=params.to_dict(), device="autopilot",
                            steps=[s.id for s in scenario.steps],
                            inspection_points=[p.id for p in scenario.inspection_points])
    sampler = Sampler(every_s)
    offset, t, frames, laps, completed, events = 0.0, 0.0, 0, 0, 0, 0
    lap_frames: list[bytes] = []
    with Trial(path, meta) as trial:
        runner = Runner.build(scene, scenario, params, SceneIndex(scene), recorder=trial)
        engine = runner.engine
        while laps == 0 or sampler.elapsed < wall_s:
            reset: list[Command] = [Reset()] if laps else []
            for frame, commands in Autopilot(engine).frames():
                t = frame.t + offset
                seen = quantize(dataclasses.replace(frame, t=t))
                commands = reset + list(commands)
                reset = []
                out = runner.step(seen, commands)
                if laps == 0:
                    lap_frames.append(seen.to_bytes())
                frames += 1
                events += len(out)
                sampler.maybe(t)
            laps += 1
            completed += engine.state.task_complete
            offset = t + 1.0 / RATE_HZ
        trial.end_task(completed=bool(completed == laps), laps=laps)
        if trial.error:
            raise RuntimeError(trial.error)
    sampler.maybe(t)
    return Soak(sampler.samples, sampler.elapsed, offset, frames, laps, completed, events,
                lap_frames, len(lap_frames) / RATE_HZ)


def soak_mcap_peer(path: str, lap_frames: list[bytes], lap_s: float, rate: float, wall_s: float,
                   every_s: float) -> tuple[list[Sample], int]:
    """The peer (in a spawned child): the lap's frames, times running on, as raw bytes through
    the mcap Writer at ``rate`` frames per wall second; (RSS samples, frames written)."""
    frames = [InputFrame.from_bytes(b) for b in lap_frames]
    sampler = Sampler(every_s)
    written, offset, t = 0, 0.0, 0.0
    with open(path, "wb") as stream:
        writer = Writer(stream, compression=CompressionType.ZSTD)
        writer.start()
        channel = writer.register_channel(FRAMES_TOPIC, "raw", 0)
        while written == 0 or sampler.elapsed < wall_s:
            for f in frames:
                t = f.t + offset
                ns = round(t * 1e9)
                writer.add_message(channel, ns, dataclasses.replace(f, t=t).to_bytes(), ns, written)
                written += 1
                ahead = sampler.start + written / rate - time.perf_counter()
                if ahead > 0.002:
                    time.sleep(ahead)
                sampler.maybe(t)
            offset += lap_s
        writer.finish()
    sampler.maybe(t)
    return sampler.samples, written


def run_peer(path: Path, soak: Soak, every_s: float) -> tuple[list[Sample], int]:
    """The peer in a fresh spawned process, so its RSS is the writer's alone (no engine, no
    scene) and no memory left over from the xrjig soak counts."""
    rate = soak.frames / soak.wall_s
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(soak_mcap_peer, (str(path), soak.lap_frames, soak.lap_s, rate, soak.wall_s, every_s))


def verify_soak(path: Path) -> tuple[bool, int, int, float, str | None]:
    """(identical, frames, events, seconds taken, first difference or warning)."""
    start = time.perf_counter()
    with Recording(path) as rec:
        setup = load_setup(rec)
        matched, divergence = verify(rec, setup)
        frames, events, warning = rec.frame_count, len(rec.event_lines), rec.warning
    same = divergence is None and matched == events and warning is None
    why = divergence.describe() if divergence is not None else warning
    return same, frames, events, time.perf_counter() - start, why


# -- kill -9 -------------------------------------------------------------------------------

class _XrjigWriter:
    def __init__(self, path: str) -> None:
        self.rec = Recorder(path, {"participant": "kill"})

    def write(self, f: InputFrame, i: int) -> None:
        self.rec.write_frame(f)


class _McapWriter:
    """One raw message per frame; ``flush_s`` > 0 flushes (closes a chunk) that often."""

    def __init__(self, path: str, flush_s: float) -> None:
        self.writer = Writer(open(path, "wb"), compression=CompressionType.ZSTD)  # noqa: SIM115 - killed, never closed
        self.writer.start()
        self.channel = self.writer.register_channel(FRAMES_TOPIC, "raw", 0)
        self.flush_s = flush_s
        self.last_flush = 0.0

    def write(self, f: InputFrame, i: int) -> None:
        ns = round(f.t * 1e9)
        self.writer.add_message(self.channel, ns, f.to_bytes(), ns, i)
        if self.flush_s > 0 and f.t - self.last_flush >= self.flush_s:
            self.writer.flush()
            self.last_flush = f.t


#: kill variant -> (label, writer factory)
KILL_VARIANTS: dict[str, tuple[str, Callable[[str], _XrjigWriter | _McapWriter]]] = {
    "xrjig": ("xrjig Recorder", _XrjigWriter),
    "mcap-flush": ("mcap Writer, flush() every 0.5 s", lambda p: _McapWriter(p, 0.5)),
    "mcap-default": ("mcap Writer defaults (1 MiB chunks, no flush)", lambda p: _McapWriter(p, 0.0)),
}


def record_until_killed(variant: str, path: str) -> None:
    """The kill child: write KILL_FRAMES frames in real time, printing each number once the
    writer has it (the parent's word for "written")."""
    frames = [InputFrame.from_record(r) for r in synthetic_records(KILL_FRAMES)]
    writer = KILL_VARIANTS[variant][1](path)
    start = time.perf_counter()
    for i, f in enumerate(frames):
        time.sleep(max(0.0, start + f.t - time.perf_counter()))
        writer.write(f, i)
        print(i + 1, flush=True)


def kill_at(variant: str, path: Path, at_s: float) -> int:
    """Start a kill child, SIGKILL it ``at_s`` seconds after its first frame; frames it
    reported written (counting lines still in the pipe)."""
    child = subprocess.Popen([sys.executable, __file__, "--kill-child", variant, str(path)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    line = child.stdout.readline()
    written = int(line or 0)
    t0 = time.monotonic()
    while line and time.monotonic() - t0 < at_s:
        line = child.stdout.readline()
        written = int(line or written)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    rest = child.stdout.read().split()
    return max([written, *map(int, rest)])


def mcap_end_t(path: Path) -> float | None:
    """Log time of the last message a truncated raw MCAP file still holds (None: none)."""
    last = None
    with open(path, "rb") as f:
        try:
            for record in StreamReader(f, validate_crcs=True).records:
                if isinstance(record, Message):
                    last = record.log_time
        except _CUT_OFF:
            pass  # the cut-off end: everything before it was read
    return None if last is None else last / 1e9


@dataclass
class Kill:
    at_s: float
    written_t: float
    lost_s: float
    warned: bool  # the reader said the file ends early (xrjig; always True for the peers)
    intact: bool  # the frames kept are the frames written, bit for bit (xrjig)


def one_kill(variant: str, folder: Path, at_s: float, times: np.ndarray, records: np.ndarray) -> Kill:
    """Kill one child and measure what its file lost."""
    path = folder / f"kill-{variant}.mcap"
    written = kill_at(variant, path, at_s)
    written_t = float(times[written - 1]) if written else 0.0
    if variant != "xrjig":
        end = mcap_end_t(path)
        lost = written_t - end if end is not None else written_t + 1.0 / HZ
        return Kill(at_s, written_t, lost, True, True)
    with Recording(path) as rec:
        warned = rec.warning is not None and "ends early" in rec.warning
        kept = rec.frames
        lost = written_t - rec.end_t if len(kept) else written_t + 1.0 / HZ
        intact = kept.tobytes() == records[: len(kept)].tobytes()
    return Kill(at_s, written_t, lost, warned, intact)


def kill_runs(kills: int, seed: int) -> dict[str, list[Kill]]:
    """Every variant killed at the same random moments (interleaved, so load affects all)."""
    moments = np.random.default_rng(seed).uniform(*KILL_WINDOW_S, kills)
    records = synthetic_records(KILL_FRAMES)
    times = records["t"]
    out: dict[str, list[Kill]] = {v: [] for v in KILL_VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        for at_s in moments:
            for variant in KILL_VARIANTS:
                out[variant].append(one_kill(variant, Path(tmp), float(at_s), times, records))
    return out


# -- report ------------------------------------------------------------------------------

def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b and np.isfinite(a) and np.isfinite(b) else "n/a"


def print_soak(soak: Soak, size_mb: float, warmup_s: float, ours: Growth, peer: Growth,
               peer_frames: int, peer_mb: float) -> None:
    speed = soak.recorded_s / soak.wall_s
    print(f"soak: AS1 autopilot laps in one recording, {soak.wall_s / 60:.1f} wall min "
          f"({speed:.0f}x real time): {soak.laps} laps ({soak.completed_laps} completed), "
          f"{soak.frames} frames, {soak.recorded_s / 3600:.2f} recorded h at {RATE_HZ:g} Hz, "
          f"{soak.events} events, {size_mb:.1f} MB")
    print(f"  RSS after {warmup_s:g} s warm-up -> end: xrjig {ours.start_mb:.1f} -> {ours.end_mb:.1f} MB | "
          f"raw mcap Writer {peer.start_mb:.1f} -> {peer.end_mb:.1f} MB "
          f"({peer_frames} frames, {peer_mb:.1f} MB)   ({ours.samples} and {peer.samples} samples)")
    print(f"  RSS slope per wall hour:     xrjig {ours.wall.per_hour:+.2f} +- {ours.wall.stderr:.2f} MB/h | "
          f"raw mcap Writer {peer.wall.per_hour:+.2f} +- {peer.wall.stderr:.2f} MB/h   "
          f"(xrjig/raw = {ratio(ours.wall.per_hour, peer.wall.per_hour)}; meaningless where a slope is within its +-)")
    print(f"  RSS slope per recorded hour: xrjig {ours.recorded.per_hour:+.3f} +- {ours.recorded.stderr:.3f} MB/h | "
          f"raw mcap Writer {peer.recorded.per_hour:+.3f} +- {peer.recorded.stderr:.3f} MB/h")


def print_kills(runs: dict[str, list[Kill]]) -> None:
    n = len(runs["xrjig"])
    print(f"kill -9 while recording 90 Hz frames in real time, {n} kills at random moments "
          f"between {KILL_WINDOW_S[0]:g} and {KILL_WINDOW_S[1]:g} s, lost seconds min / median / max:")
    for variant, (label, _) in KILL_VARIANTS.items():
        lost = [k.lost_s for k in runs[variant]]
        print(f"  {label:<46} {min(lost):.2f} / {statistics.median(lost):.2f} / {max(lost):.2f} s")
    ours = runs["xrjig"]
    print(f"  xrjig reader said 'ends early' for {sum(k.warned for k in ours)}/{n}; frames kept identical "
          f"to those written for {sum(k.intact for k in ours)}/{n}")
    worst = max(k.lost_s for k in ours)
    peer = max(k.lost_s for k in runs["mcap-flush"])
    print(f"  max lost: xrjig/mcap-flush-0.5s = {ratio(worst, peer)}; xrjig/promise "
          f"({PROMISED_LOSS_S:g} s, README) = {worst / PROMISED_LOSS_S:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0,
                        help="wall minutes of the soak, warm-up included (default 10; 0 skips it)")
    parser.add_argument("--warmup-s", type=float, default=30.0, help="seconds not counted as growth (default 30)")
    parser.add_argument("--sample-s", type=float, default=5.0, help="seconds between RSS samples (default 5)")
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs per writer (default 10; 0 skips)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    parser.add_argument("--kill-child", nargs=2, metavar=("VARIANT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.kill_child:
        record_until_killed(*args.kill_child)
        return
    if args.minutes > 0:
        wall_s = args.minutes * 60
        warmup_s = min(args.warmup_s, wall_s / 4)
        with tempfile.TemporaryDirectory() as tmp:
            path, peer_path = Path(tmp) / "soak.mcap", Path(tmp) / "peer.mcap"
            soak = soak_xrjig(path, wall_s, args.sample_s)
            peer_samples, peer_frames = run_peer(peer_path, soak, args.sample_s)
            print_soak(soak, path.stat().st_size / 1e6, warmup_s, growth(soak.samples, warmup_s),
                       growth(peer_samples, warmup_s), peer_frames, peer_path.stat().st_size / 1e6)
            same, frames, events, took, why = verify_soak(path)
            print(f"  replay identical: {'yes' if same else 'no'} ({frames} frames, {events} events; "
                  f"verified in {took:.0f} s = {soak.recorded_s / took:.0f}x real time)")
            if why:
                print(f"    {why}")
    if args.kills > 0:
        print_kills(kill_runs(args.kills, args.seed))


if __name__ == "__main__":
    main()
