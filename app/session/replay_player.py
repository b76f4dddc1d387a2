"""ReplayPlayer: the replay device's clock driving a re-simulated engine, for the GUI.

Per display tick the ReplayDevice hands out EVERY recorded frame since the last tick (at
16x that is a few dozen) and each goes through the engine, so outcomes are those of the
trial, not of a sampled subset. A seek rewinds the engine from the nearest snapshot
(interaction.replay_sim). A second simulator with its own spatial index scans the whole
recording ahead in short idle-time slices, filling the snapshot store, so that after a few
seconds any seek (forwards too) costs at most one snapshot interval of engine steps.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from devices.replay import ReplayDevice
from interaction.recording_reader import Recording
from interaction.recording_rerun import RecordedSetup
from interaction.replay_sim import ReplaySimulator, SnapshotStore
from scenes.index import SceneIndex
from scenes.model import SceneError

#: frames between engine snapshots (1 s at 90 Hz: a seek steps at most this many) ...
SNAPSHOT_FRAMES = 90
#: ... unless that makes more snapshots than this (~40 KB each on AS1): an hour at 90 Hz
#: then snapshots every 324 frames, ~40 MB, and a seek steps at most 324 frames
MAX_SNAPSHOTS = 1000
#: how often the scan's progress is shown
READY_PERIOD_S = 0.5
#: seeks costing more engine steps than this run in slices, so the window stays live
SYNC_FRAMES = 4 * SNAPSHOT_FRAMES
#: wall time the background scan (or a long seek) may take per event-loop turn ...
SCAN_SLICE_S = 0.008
#: ... and the scan's share while playing (the display's ticks come first)
PLAYING_SCAN_SLICE_S = 0.004


def snapshot_interval(frame_count: int) -> int:
    """Frames between snapshots for a recording of ``frame_count`` frames."""
    return max(SNAPSHOT_FRAMES, -(-frame_count // MAX_SNAPSHOTS))


class ReplayPlayer(QObject):
    """Plays one recording through the engine; see the module docstring."""

    #: (engine state, frame shown, events of the frames stepped this tick)
    stepped = Signal(object, object, list)
    #: recording time shown
    position_changed = Signal(float)
    playing_changed = Signal(bool)
    speed_changed = Signal(float)
    #: recording time up to which seeking is cheap (the scan's progress)
    ready_changed = Signal(float)
    #: a long seek's progress, 0..1 (1: done); the engine is re-run in slices meanwhile
    catching_up = Signal(float)
    #: a recording that turned out damaged while playing, ...
    message = Signal(str)

    def __init__(self, rec: Recording, setup: RecordedSetup, speed: float = 1.0,
                 rate_hz: float = 60.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rec = rec
        self.setup = setup
        self.device = ReplayDevice(rec, speed)
        self.device.playing = False
        self.store = SnapshotStore(snapshot_interval(rec.frame_count))
        self.sim = ReplaySimulator(rec, setup, self.store)
        self._scanner: ReplaySimulator | None = ReplaySimulator(rec, setup, self.store, SceneIndex(setup.scene))
        self._t0 = time.monotonic()
        self._ready_shown = 0.0
        self.ticks = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, round(1000.0 / rate_hz)))
        self._timer.timeout.connect(self._on_timer)
        self._scan_timer = QTimer(self)
        self._scan_timer.setInterval(0)
        self._scan_timer.timeout.connect(self._scan_slice)
        #: the frame a long seek is heading for (None: no seek under way)
        self._target: int | None = None
        self._target_from = 0
        self._catch_timer = QTimer(self)
        self._catch_timer.setInterval(0)
        self._catch_timer.timeout.connect(self._catch_up_slice)

    def now(self) -> float:
        return time.monotonic() - self._t0

    # -- control ---------------------------------------------------------------------------
    def start(self, scan: bool = True) -> None:
        """Show the first frame, start the display timer and (optionally) the background scan."""
        self.device.start()
        self.seek(self.rec.start_t)
        self._timer.start()
        if scan:
            self._scan_timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._scan_timer.stop()
        self._catch_timer.stop()

    @property
    def seeking(self) -> bool:
        """A long seek is still re-running the engine."""
        return self._target is not None

    @property
    def playing(self) -> bool:
        return self.device.playing

    def set_playing(self, playing: bool) -> None:
        if playing and self.device.at_end:
            self.seek(self.rec.start_t)
        self.device.playing = playing
        self.device.poll(self.now())  # restart the clock here, not at the last tick
        self.playing_changed.emit(playing)

    def set_speed(self, speed: float) -> None:
        self.device.poll(self.now())  # time so far at the old speed
        self.device.speed = speed
        self.speed_changed.emit(self.device.speed)

    def seek(self, t: float) -> None:
        """Show recording time ``t``: the engine as it was after the frame at ``t``."""
        self.device.seek(t)
        self._show_from(self.device.index)

    def step_frames(self, n: int) -> None:
        """Pause and move ``n`` recorded frames (negative: back)."""
        if self.playing:
            self.set_playing(False)
        index = min(max(self.device.index + n, 0), self.rec.frame_count - 1)
        self.device.seek_index(index)
        self._show_from(index)

    def _show_from(self, index: int) -> None:
        try:
            if self.sim.frames_to(index) <= SYNC_FRAMES:
                self._target = None
                self._catch_timer.stop()
                self.sim.rewind(index)
            else:  # beyond the scan: step there in slices, drawing the way
                self.sim.restore_nearest(index)
                self._target, self._target_from = index, self.sim.stepped
                self._catch_timer.start()
                return
        except SceneError as err:
            self._fail(err)
            return
        self.tick(self.now())

    def _catch_up_slice(self) -> None:
        target = self._target
        if target is None:
            return
        deadline = time.perf_counter() + SCAN_SLICE_S
        try:
            while self.sim.stepped < target and time.perf_counter() < deadline:
                self.sim.run(min(8, target - self.sim.stepped))
        except SceneError as err:
            self._fail(err)
            return
        if self.sim.stepped < target:
            self.catching_up.emit((self.sim.stepped - self._target_from) / max(target - self._target_from, 1))
            self.stepped.emit(self.sim.engine.state, self.sim.last_frame, [])
            return
        self._target = None
        self._catch_timer.stop()
        self.catching_up.emit(1.0)
        self.tick(self.now())

    # -- loop --------------------------------------------------------------------------------
    def _on_timer(self) -> None:
        if self.device.playing:
            self.tick(self.now())
        else:
            self.device.poll(self.now())  # keep the clock, step nothing

    def tick(self, t: float) -> None:
        """Step the engine through every recorded frame up to the device's new position."""
        if self._target is not None:
            return  # a long seek owns the engine until it arrives
        try:
            steps = self.device.advance(t)
            events = [e for index, frame, commands in steps for e in self.sim.step(index, frame, commands)]
        except SceneError as err:
            self._fail(err)
            return
        if not steps:
            return  # paused or between recorded frames: nothing new to draw
        self.ticks += 1
        self.stepped.emit(self.sim.engine.state, self.sim.last_frame, events)
        self.position_changed.emit(self.device.position)
        if self.playing and self.device.at_end:
            self.set_playing(False)

    def _scan_slice(self) -> None:
        scanner = self._scanner
        if scanner is None:
            return
        deadline = time.perf_counter() + (PLAYING_SCAN_SLICE_S if self.playing else SCAN_SLICE_S)
        try:
            while time.perf_counter() < deadline:
                if scanner.run(8) == 0:
                    self._scanner = None
                    self._scan_timer.stop()
                    self.ready_changed.emit(self.rec.end_t)
                    return
        except SceneError as err:
            self._fail(err)
            return
        frame = scanner.last_frame
        now = time.perf_counter()
        if frame is not None and now - self._ready_shown > READY_PERIOD_S:
            # throttled: a repaint costs more than a slice where GL composes the window
            self._ready_shown = now
            self.ready_changed.emit(frame.t)

    def scan_all(self) -> None:
        """Finish the background scan now (tests, and measuring seek times)."""
        while self._scanner is not None:
            self._scan_slice()

    def _fail(self, err: SceneError) -> None:
        self.stop()
        self.device.playing = False
        self.playing_changed.emit(False)
        self.message.emit(str(err))
