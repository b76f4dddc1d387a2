"""Re-simulate a recording with random access: engine snapshots make seeking cheap.

Replay re-runs the recorded frames through the engine rather than only listing the recorded
events, because the views draw engine STATE (part poses, held and snapped parts, hover,
inspection progress), which events do not carry; the engine is deterministic, so the re-run
shows what the participant saw (``xrjig replay --verify`` checks exactly that).

Seeking needs the engine as it was at the target frame. Re-running from the start costs the
whole prefix (about 100x real time: 36 s for an hour), so a ``SnapshotStore`` keeps the
engine every ``every`` frames and a seek restores the nearest snapshot at or before the
target, then steps at most ``every`` frames. A snapshot is a deep copy of the engine minus
what is shared and never changes during a run (scene, scenario, spatial index, collision
world and BVHs, slots): restoring maps those to the restoring engine's own objects and
pushes the snapshot's part poses into its index and collision world (``Engine.sync_poses``).
So a background scanner with its own index can fill the store while the display plays.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Iterator
from typing import Any

from interaction.commands import Command, command_from_dict
from interaction.engine import Engine
from interaction.events import Event
from interaction.frame import InputFrame
from interaction.params import InteractionParams
from interaction.recording_reader import Recording
from interaction.recording_rerun import RecordedSetup
from interaction.runner import Runner, needs_rebuild
from scenes.index import SceneIndex

#: Engine attributes shared by reference between an engine and its snapshots (read-only
#: during a run, or pose holders re-synced on restore). Everything else is deep-copied.
SHARED_ATTRIBUTES = (
    "scene", "scenario", "index", "geometry", "collision", "slots", "movable", "_movable_set",
    "_fixed", "_to_frame", "_from_frame", "inv_authored", "_start", "_class",
)


def _shared_memo(source: Engine, target: Engine) -> dict[int, Any]:
    """deepcopy memo that turns ``source``'s shared objects into ``target``'s."""
    return {id(getattr(source, name)): getattr(target, name) for name in SHARED_ATTRIBUTES}


def take_snapshot(engine: Engine) -> Engine:
    """A frozen copy of ``engine``'s run state (shares the heavy read-only parts)."""
    return copy.deepcopy(engine, _shared_memo(engine, engine))


def restore_snapshot(snapshot: Engine, host: Engine) -> Engine:
    """A live engine in the snapshot's state that uses ``host``'s index and collision world
    (rebuilt first when the snapshot's engine was built with other tolerances: a live
    tolerance change mid-trial)."""
    if needs_rebuild(host.params, snapshot.params):
        host = Engine(host.scene, host.scenario, snapshot.params, index=host.index)
    engine = copy.deepcopy(snapshot, _shared_memo(snapshot, host))
    engine.sync_poses()
    return engine


class SnapshotStore:
    """Snapshots keyed by the number of frames stepped before them (0 = a fresh engine)."""

    def __init__(self, every: int) -> None:
        self.every = every
        self._keys: list[int] = []
        self._snaps: dict[int, Engine] = {}

    def wants(self, stepped: int) -> bool:
        return stepped % self.every == 0 and stepped not in self._snaps

    def add(self, stepped: int, engine: Engine) -> None:
        if stepped not in self._snaps:
            bisect.insort(self._keys, stepped)
            self._snaps[stepped] = take_snapshot(engine)

    def best(self, stepped: int) -> tuple[int, Engine]:
        """The latest snapshot taken at or before ``stepped`` frames."""
        key = self._keys[bisect.bisect_right(self._keys, stepped) - 1]
        return key, self._snaps[key]

    @property
    def frontier(self) -> int:
        """Frames covered: every seek up to here costs at most ``every`` engine steps."""
        return self._keys[-1] if self._keys else 0

    def __len__(self) -> int:
        return len(self._keys)


class ReplaySimulator:
    """The engine re-running one recording; ``step`` forward, ``rewind`` to any frame.

    ``stepped`` is how many recorded frames the engine has taken; the state shown at frame
    ``i`` is the state after ``stepped == i + 1``. Parameter changes made live during the
    trial are re-applied before their frame, rebuilding the engine where the session did.
    """

    def __init__(self, rec: Recording, setup: RecordedSetup, store: SnapshotStore,
                 index: SceneIndex | None = None) -> None:
        self.rec = rec
        self.setup = setup
        self.store = store
        self._changes = rec.params_changes
        self.runner = Runner.build(setup.scene, setup.scenario, setup.params, index or setup.index)
        self.stepped = 0
        self.last_frame: InputFrame | None = None
        self._ahead: Iterator[tuple[int, InputFrame, list[dict[str, Any]]]] | None = None
        self._ahead_next = 0
        self.store.add(0, self.engine)

    @property
    def engine(self) -> Engine:
        return self.runner.engine

    def step(self, index: int, frame: InputFrame, commands: list[Command]) -> list[Event]:
        """Step recorded frame ``index`` (must be the next one) and snapshot on the grid."""
        if index != self.stepped:
            raise ValueError(f"replay stepped frame {index}, expected {self.stepped}")
        change = self._changes.get(index)
        if change is not None:
            self.runner.apply_params(InteractionParams.from_dict(change[0]), change[1])
        events = self.runner.step_recorded(frame, commands)
        self.stepped += 1
        self.last_frame = frame
        if self.store.wants(self.stepped):
            self.store.add(self.stepped, self.engine)
        return events

    def frames_to(self, stepped: int) -> int:
        """Engine steps ``rewind(stepped)`` would take (what a seek costs)."""
        key, _ = self.store.best(stepped)
        start = self.stepped if key <= self.stepped <= stepped else key
        return max(0, stepped - start)

    def restore_nearest(self, stepped: int) -> None:
        """Jump to the snapshot nearest before ``stepped`` when that is closer than here."""
        key, snap = self.store.best(stepped)
        if stepped < self.stepped or key > self.stepped:
            self.runner.engine = restore_snapshot(snap, self.engine)
            self.stepped = key
            self.last_frame = self.rec.frame_at(key - 1) if key > 0 else None

    def rewind(self, stepped: int) -> None:
        """Put the engine where it was after ``stepped`` frames (backwards or forwards)."""
        stepped = max(0, min(stepped, self.rec.frame_count))
        self.restore_nearest(stepped)
        self.run(stepped - self.stepped)

    def run(self, count: int) -> int:
        """Step up to ``count`` more frames (the background scan); returns how many it took."""
        taken = 0
        for index, frame, commands in self._steps(self.stepped, self.stepped + count):
            self.step(index, frame, commands)
            taken += 1
        return taken

    def _steps(self, start: int, stop: int) -> Iterator[tuple[int, InputFrame, list[Command]]]:
        """Recorded steps ``start`` .. ``stop - 1``; the reader's iterator is kept between
        calls, so the scan's many short runs do not search the chunk index each time."""
        if self._ahead is None or self._ahead_next != start:
            self._ahead = self.rec.steps(start)
        self._ahead_next = start
        while self._ahead_next < stop:
            item = next(self._ahead, None)
            if item is None:
                return
            index, frame, commands = item
            self._ahead_next = index + 1
            yield index, frame, [command_from_dict(c) for c in commands]
