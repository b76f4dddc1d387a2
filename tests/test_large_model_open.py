"""Opening a large model does not freeze the window: the model is on screen at once, its
index (ray BVH, proximity search) is built on a thread while the GUI keeps handling events,
and the session starts when the index is there. A newer open wins over a build in flight."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import trimesh
from PySide6.QtCore import QTimer

from app.window.scene_preparation import BACKGROUND_INDEX_TRIANGLES
from tests.conftest import AS1, interaction_window

pytestmark = pytest.mark.gl


@pytest.fixture(scope="module")
def large_glb(tmp_path_factory):
    """Two spheres of ~330 k triangles together (icosphere, 7 subdivisions): past the
    background threshold, a few seconds of index building here."""
    scene = trimesh.Scene()
    for k in range(2):
        sphere = trimesh.creation.icosphere(subdivisions=7, radius=0.05)
        scene.add_geometry(sphere, node_name=f"ball{k}", geom_name=f"ball{k}",
                           transform=trimesh.transformations.translation_matrix([0.12 * k, 0.0, 0.0]))
    path = tmp_path_factory.mktemp("large") / "balls.glb"
    path.write_bytes(scene.export(file_type="glb"))
    return path


@pytest.fixture
def window(qtbot, tmp_path):
    return interaction_window(qtbot, tmp_path, size=(800, 600))


def test_a_large_model_shows_at_once_and_the_window_answers_while_it_is_prepared(qtbot, window, large_glb):
    window, controller = window
    beats: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: beats.append(time.perf_counter()))
    timer.start(10)
    assert window.open_file(large_glb, remember=False)
    opened = time.perf_counter()
    assert window.viewport.scene is not None and window.viewport.scene.triangle_count >= BACKGROUND_INDEX_TRIANGLES
    assert controller.session is None and "preparing" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: controller.session is not None, timeout=60_000)
    ready = time.perf_counter()
    timer.stop()
    during = [t for t in beats if opened <= t <= ready]
    assert len(during) >= 5  # the event loop ran while the index was built
    index = controller.session.engine.index  # the parts start on the tray: ask where one is
    part = controller.session.scene.parts[0].id
    lo, hi = index.part_world_bounds(part)
    top = np.array([(lo[0] + hi[0]) / 2, hi[1] + 1.0, (lo[2] + hi[2]) / 2])
    hit = index.ray(top, np.array([0.0, -1.0, 0.0]))
    assert hit is not None and hit.part == part and hit.point[1] == pytest.approx(hi[1], abs=1e-3)


def test_a_newer_open_wins_over_a_build_in_flight(qtbot, window, large_glb):
    window, controller = window
    assert window.open_file(large_glb, remember=False)
    assert window.open_file(AS1, remember=False)  # small: prepared at once
    assert controller.session is not None and controller.session.scene.source == AS1
    preparing = [t for t in threading.enumerate() if t.name == "scene-prepare"]
    for thread in preparing:
        while thread.is_alive():
            qtbot.wait(50)
    qtbot.wait(50)  # its result was queued to the GUI thread, and dropped there
    assert preparing and controller.session.scene.source == AS1 and controller.preparer.pending is None


def test_while_a_large_model_is_prepared_the_previous_task_is_neither_shown_nor_editable(qtbot, window, large_glb):
    window, controller = window
    assert window.open_file(AS1, remember=False)
    assert controller.scenario_panel.steps_tree.topLevelItemCount() > 0
    controller.model.document.set_tolerance("position_mm", 7.0)  # something to undo
    old_undo = controller.undo_action
    assert old_undo.isEnabled()
    assert window.open_file(large_glb, remember=False)
    panel = controller.scenario_panel
    assert panel.steps_tree.topLevelItemCount() == 0 and panel.progress_label.text() == ""
    assert not panel.isEnabled() and not controller.params_panel.isEnabled()
    assert not old_undo.isEnabled() and not controller._edit_menu.isEnabled()
    qtbot.waitUntil(lambda: controller.session is not None, timeout=60_000)
    assert panel.isEnabled() and controller.params_panel.isEnabled() and controller._edit_menu.isEnabled()
    assert panel.steps_tree.topLevelItemCount() == len(controller.session.scenario.steps) > 0


def test_a_large_model_is_read_on_a_thread_and_another_open_meanwhile_is_refused(qtbot, window, large_glb):
    """Parsing, bounds and the view's batches of a large model run off the GUI thread:
    the event loop runs during ``open_file``, and an open asked for meanwhile (a second drop,
    File ▸ Open) is refused with a status line instead of nesting."""
    window, controller = window
    during: list[tuple[str, bool, str]] = []

    def meanwhile() -> None:
        readers = [t.name for t in threading.enumerate() if t.name.startswith("read ")]
        refused = window.open_file(AS1, remember=False)
        during.append((",".join(readers), refused, window.statusBar().currentMessage()))

    QTimer.singleShot(0, meanwhile)
    assert window.open_file(large_glb, remember=False)
    assert during == [(f"read {large_glb.name}", False, f"still reading {large_glb.name}…")]
    assert window.scene.source == large_glb and window.viewport.scene is window.scene
    # the batches made on the thread are the ones the viewport draws: it shows the model
    qtbot.waitUntil(lambda: window.viewport.renderer._layout is not None, timeout=10_000)
    renderer = window.viewport.renderer
    assert renderer._layout is renderer._prebuilt  # not built again on the GUI thread
    assert sum(b.indices.size for b in renderer._layout.batches) == 3 * window.scene.triangle_count
