"""Making a loaded scene ready for a session without freezing the window.

What a session needs besides the model on screen: its scenario (the one asked for, or one
proposed from a bare model, which plans a disassembly order) and its index (the ray BVH and
the proximity search: about 4 s for 1.2 M triangles). A large model is prepared on a thread
while the window stays usable (orbit, menus); small ones at once, which a person does not
notice. A newer open wins over a preparation still in flight.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from interaction.part_geometry import scene_geometry
from scenes.index import SceneIndex
from scenes.model import Scene
from scenes.scenario import Scenario

#: models with more triangles than this are prepared off the GUI thread (1.2 M triangles
#: take about 4 s for the index alone; 250 k about 0.6 s; 100 k well under 0.2 s)
BACKGROUND_INDEX_TRIANGLES = 250_000

#: the scene in its scenario's unit, the scenario, the index, and errors to show
Prepared = tuple[Scene, Scenario, SceneIndex, list[str]]


class ScenePreparer(QObject):
    """``start(scene)``; ``prepared(scene asked for, Prepared or the exception)`` follows on
    the GUI thread, at once for a small model."""

    prepared = Signal(object, object)
    _done = Signal(object, object)  # from the preparing thread, queued to the GUI thread

    def __init__(self, scenario_for: Callable[[Scene, list[str]], Scenario], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._scenario_for = scenario_for
        #: the scene being prepared (None when none is)
        self.pending: Scene | None = None
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def start(self, scene: Scene) -> bool:
        """Prepare ``scene``; True when it is done already (small), False when a thread does it."""
        self.pending = scene
        if scene.triangle_count < BACKGROUND_INDEX_TRIANGLES:
            self._deliver(scene, self._prepare(scene))
            return True
        threading.Thread(target=self._in_background, args=(scene,), name="scene-prepare", daemon=True).start()
        return False

    def _prepare(self, scene: Scene) -> Prepared:
        """No GUI call in here: it may run on the preparing thread."""
        notes: list[str] = []
        scenario = self._scenario_for(scene, notes)
        if scenario.scene is not None:
            scene = scenario.scene  # the scenario names the model's unit: that scale
        index = SceneIndex(scene)
        scene_geometry(scene)  # the engine's part geometry, cached: the session builds it next
        return scene, scenario, index, notes

    def _in_background(self, scene: Scene) -> None:
        try:
            result: Prepared | Exception = self._prepare(scene)
        except Exception as err:  # noqa: BLE001 - shown in a dialog on the GUI thread
            result = err
        try:
            self._done.emit(scene, result)
        except RuntimeError:  # the window was closed while this ran: nobody left to tell
            pass

    def _deliver(self, scene: Scene, result: Prepared | Exception) -> None:
        if scene is not self.pending:  # another model was opened meanwhile
            return
        self.pending = None
        self.prepared.emit(scene, result)
