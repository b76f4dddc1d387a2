"""The main window: viewport in the centre, outliner and properties docks, File menu,
drag-and-drop of model files, status bar, remembered geometry and recent files, and the
length unit of each model file (View ▸ Model unit: STL, OBJ and PLY carry none, and many
are millimetres).

Other features add their own docks with ``add_dock``; the app module does the wiring
(devices, engine, recorder) and listens to ``sceneLoaded`` / ``selectionChanged``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSettings, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QWidget,
)

from scenes.loader import SUPPORTED_SUFFIXES, UNITS
from scenes.model import Scene, SceneError
from scenes.step_convert import STEP_SUFFIXES, ConversionCancelled, prestart_worker
from scenes.step_quality import DEFAULT_QUALITY, QUALITIES
from views.outliner import Outliner, subtree_nodes
from views.per_file import PerFile
from views.properties import PropertiesPanel
from views.scene_batches import SceneBatches
from views.scene_reading import ConversionProgress, read_scene
from views.viewport import Viewport

MAX_RECENT = 10
_RECENT_KEY = "recentFiles"
#: resolved model path -> the unit the user chose for it (JSON text), most recent last
_UNITS_KEY = "modelUnits"
MAX_REMEMBERED_UNITS = 100
#: resolved STEP path -> its tessellation quality's name (JSON text), most recent last
_QUALITIES_KEY = "stepQualities"
#: View ▸ Model unit entries; metres is what glTF declares and what the others are read as
UNIT_CHOICES = (
    ("m", QT_TRANSLATE_NOOP("MainWindow", "&Metres (as declared)")),
    ("cm", QT_TRANSLATE_NOOP("MainWindow", "&Centimetres")),
    ("mm", QT_TRANSLATE_NOOP("MainWindow", "M&illimetres")),
    ("in", QT_TRANSLATE_NOOP("MainWindow", "&Inches")),
)
#: View ▸ STEP quality's names (scenes.step_quality), for translation
QUALITY_NAMES = {
    "interactive": QT_TRANSLATE_NOOP("MainWindow", "Interactive"),
    "fine": QT_TRANSLATE_NOOP("MainWindow", "Fine"),
}
#: the QSettings key of the interface language (app.display.language.SETTING)
LANGUAGE_KEY = "ui/language"
#: View ▸ Language: (code, name); "system" follows the system locale. The languages' own
#: names are not translated (a reader looks for their own)
LANGUAGE_CHOICES = (("system", ""), ("en", "English"), ("zh_CN", "简体中文"))
translate = QCoreApplication.translate
#: dock titles as given to ``add_dock`` (English: the dock's object name), translated when shown
DOCK_TITLES = (
    QT_TRANSLATE_NOOP("Docks", "Outliner"), QT_TRANSLATE_NOOP("Docks", "Properties"),
    QT_TRANSLATE_NOOP("Docks", "Scenario"), QT_TRANSLATE_NOOP("Docks", "Parameters"),
    QT_TRANSLATE_NOOP("Docks", "Event log"), QT_TRANSLATE_NOOP("Docks", "Camera"),
    QT_TRANSLATE_NOOP("Docks", "Timeline"),
)


class MainWindow(QMainWindow):
    """The desktop window. ``open_file`` returns False (and shows the error) on bad files,
    keeping the scene that was open."""

    sceneLoaded = Signal(object)  # Scene
    #: the selected parts' ids (a tuple, empty when nothing is selected)
    selectionChanged = Signal(object)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None,
                 language_settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings("xrjig", "xrjig")
        #: where View ▸ Language keeps its choice (the app's settings, read at start)
        self.language_settings = language_settings if language_settings is not None else self.settings
        #: (suffixes, kind, handler) of files features open (scenarios, recordings)
        self._openers: list[tuple[tuple[str, ...], str, Callable[[Path], object]]] = []
        #: asked before the scene is replaced or the window closes; False keeps it
        self.discard_guards: list[Callable[[], bool]] = []
        self.setWindowTitle("xrjig")
        self.setAcceptDrops(True)
        self.setDockOptions(self.dockOptions() | QMainWindow.DockOption.AllowTabbedDocks)
        self._scene: Scene | None = None
        self._units = PerFile(self.settings, _UNITS_KEY, "m", MAX_REMEMBERED_UNITS)
        self._qualities = PerFile(self.settings, _QUALITIES_KEY, DEFAULT_QUALITY.name, MAX_REMEMBERED_UNITS)
        #: the model file being read (on a thread, the window answering meanwhile)
        self._reading: Path | None = None
        #: the last error dialog (open, non-blocking), for tests and scripted use
        self.error_box: QMessageBox | None = None

        self.viewport = Viewport(self)
        self.setCentralWidget(self.viewport)
        self.outliner = Outliner()
        self.properties = PropertiesPanel()
        self._build_menus()
        docks = [
            self.add_dock(self.outliner, "Outliner", Qt.DockWidgetArea.LeftDockWidgetArea),
            # under the outliner: the right column stays free, full height, for task docks
            self.add_dock(self.properties, "Properties", Qt.DockWidgetArea.LeftDockWidgetArea),
        ]
        if self.settings.value("window/state") is None:
            self.resizeDocks(docks[:1], [300], Qt.Orientation.Horizontal)
            self.resizeDocks(docks, [520, 300], Qt.Orientation.Vertical)
        self._build_status_bar()

        self.outliner.nodeSelected.connect(self._on_outliner_selection)
        self.viewport.selectionChanged.connect(self._on_viewport_selection)
        self.viewport.renderFailed.connect(self.show_error)
        self.resize(1400, 900)
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    # -- extension points -------------------------------------------------------------------
    def add_dock(self, widget: QWidget, title: str, area: Qt.DockWidgetArea) -> QDockWidget:
        """Put a feature's widget in a dock with a View-menu toggle; its state is saved.
        ``title`` is English (the dock's object name, ``dock:<title>``, which saved layouts
        and code find it by); it is shown translated (context "Docks")."""
        dock = QDockWidget(translate("Docks", title), self)
        dock.setObjectName(f"dock:{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self._view_menu.addAction(dock.toggleViewAction())
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        return dock

    @property
    def scene(self) -> Scene | None:
        return self._scene

    # -- files ---------------------------------------------------------------------------
    def open_file(self, path: str | Path, remember: bool = True) -> bool:
        """Load and show a model; on a SceneError show it and keep the current scene.

        A large file is read on a thread (views/scene_reading.py) while the window keeps
        answering; another open meanwhile is refused with a status line. The wait cursor
        stays up while ``sceneLoaded``'s listeners run."""
        if self._reading is not None:
            self.statusBar().showMessage(
                translate("MainWindow", "still reading {name}…").format(name=self._reading.name), 5000)
            return False
        path = Path(path)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self._reading = path
        try:
            unit = self.model_unit(path)
            quality = self.step_quality(path) if path.suffix.lower() in STEP_SUFFIXES else None
            self.statusBar().showMessage(translate("MainWindow", "reading {name}…").format(name=path.name))
            converting = ConversionProgress(self, path.name)
            try:
                read = read_scene(path, UNITS[unit] if unit else None, quality, converting)
            except ConversionCancelled:
                self.statusBar().showMessage(
                    translate("MainWindow", "{name}: conversion cancelled; the open model stays").format(
                        name=path.name), 8000)
                return False
            except SceneError as err:
                self.statusBar().clearMessage()
                self.show_error(str(err))
                return False
            finally:
                converting.close()
            self.statusBar().clearMessage()
            self.show_scene(read.scene, read.batches)
            if read.scene.notes:  # what a STEP import left out (PMI, curves): said, not an error
                self.statusBar().showMessage("; ".join(read.scene.notes), 15000)
            if remember:
                self.remember(path)
            self.sceneLoaded.emit(read.scene)
            return True
        finally:
            self._reading = None
            QApplication.restoreOverrideCursor()

    def model_unit(self, path: str | Path) -> str | None:
        """The unit the user chose for this model file (a UNITS key), None if none."""
        unit = self._units.get(path)
        return unit if unit in UNITS else None

    def set_model_unit(self, unit: str) -> bool:
        """Read the open model in ``unit`` (a UNITS key) from now on, remembered for its
        file, and reopen it (the task restarts); False when no model file is open."""
        if self._scene is None or not self._scene.source.is_file():
            self._sync_file_menus()
            return False
        self._units.set(self._scene.source, unit)
        return self.open_file(self._scene.source, remember=False)

    def step_quality(self, path: str | Path) -> str:
        """The tessellation quality chosen for this STEP file (scenes.step_quality name)."""
        quality = self._qualities.get(path)
        return quality if quality in QUALITIES else DEFAULT_QUALITY.name

    def set_step_quality(self, quality: str) -> bool:
        """Tessellate the open STEP model at ``quality`` from now on, remembered for its
        file, and reopen it (converted again unless cached); False when none is open."""
        if self._scene is None or self._scene.source.suffix.lower() not in STEP_SUFFIXES:
            self._sync_file_menus()
            return False
        self._qualities.set(self._scene.source, quality)
        return self.open_file(self._scene.source, remember=False)

    def _sync_file_menus(self) -> None:
        """Check the open model's unit and quality in the View menu. Without a chosen unit,
        the one it was read in (a STEP file declares its own)."""
        scene = self._scene
        unit = self.model_unit(scene.source) if scene is not None else None
        if unit is None and scene is not None:
            unit = next((name for name, scale in UNITS.items() if math.isclose(scale, scene.unit_scale)), None)
        self.unit_actions[unit or "m"].setChecked(True)
        step = scene is not None and scene.source.suffix.lower() in STEP_SUFFIXES
        self._quality_menu.setEnabled(step)
        self.quality_actions[self.step_quality(scene.source) if step else DEFAULT_QUALITY.name].setChecked(True)

    def show_scene(self, scene: Scene, batches: SceneBatches | None = None) -> None:
        """Show an already loaded scene (replay loads it with its scenario's unit); its
        renderer ``batches`` when they were built already (off the GUI thread)."""
        self._scene = scene
        self._sync_file_menus()
        self.viewport.set_scene(scene, batches)
        self.outliner.set_scene(scene)
        self.properties.show_node(None, None)
        self.setWindowTitle(f"{scene.source.name} — xrjig")
        self._triangles.setText(translate("MainWindow", "{triangles} triangles, {parts} parts").format(
            triangles=f"{scene.triangle_count:,}", parts=len(scene.parts)))

    def show_error(self, message: str) -> None:
        """A window-modal, non-blocking warning (``open()``, not ``exec()``)."""
        box = QMessageBox(QMessageBox.Icon.Warning, "xrjig", message, QMessageBox.StandardButton.Ok, self)
        box.open()
        self.error_box = box

    def recent_files(self) -> list[str]:
        value = self.settings.value(_RECENT_KEY, [])
        if isinstance(value, str):  # QSettings' INI back end flattens one-item lists
            value = [value]
        return [str(v) for v in value or []]

    def remember(self, path: Path) -> None:
        """Put ``path`` first in File ▸ Open Recent."""
        text = str(path.resolve())
        recent = [text] + [p for p in self.recent_files() if p != text]
        self.settings.setValue(_RECENT_KEY, recent[:MAX_RECENT])
        self.settings.sync()
        self._fill_recent_menu()

    def register_opener(self, suffixes: tuple[str, ...], kind: str, handler: Callable[[Path], object]) -> None:
        """File ▸ Open, Open Recent and drag-and-drop also take files with these suffixes
        (scenarios, recordings), handed to ``handler(path)``; ``kind`` names them in the
        file dialog's filter."""
        self._openers.append((tuple(s.lower() for s in suffixes), kind, handler))

    def open_path(self, path: str | Path) -> bool:
        """Open whatever ``path`` is: a model, or a file a feature registered an opener for."""
        path = Path(path)
        for suffixes, _kind, handler in self._openers:
            if path.suffix.lower() in suffixes:
                handler(path)
                return True
        if not self.confirm_discard():
            return False
        return self.open_file(path)

    def confirm_discard(self) -> bool:
        """Ask every registered guard whether unsaved work may be left (False: stay)."""
        return all(guard() for guard in self.discard_guards)

    def _openable(self) -> set[str]:
        return {*(s.lower() for s in SUPPORTED_SUFFIXES), *(s for suffixes, _, _ in self._openers for s in suffixes)}

    def _open_dialog(self) -> None:
        prestart_worker()  # a STEP converter starts while the person picks (0.15 s less to wait)
        models = " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES)
        everything = " ".join(f"*{s}" for s in sorted(self._openable()))
        filters = [translate("MainWindow", "Everything xrjig opens ({patterns})").format(patterns=everything),
                   translate("MainWindow", "3D models ({patterns})").format(patterns=models)]
        filters += [f"{translate('MainWindow', kind)} ({' '.join('*' + s for s in suffixes)})"
                    for suffixes, kind, _ in self._openers]
        path, _ = QFileDialog.getOpenFileName(self, translate("MainWindow", "Open"), "", ";;".join(filters))
        if path:
            self.open_path(path)

    # -- drag and drop -----------------------------------------------------------------------
    def _dropped_file(self, event: QDragEnterEvent | QDropEvent) -> Path | None:
        for url in event.mimeData().urls():
            path = Path(url.toLocalFile())
            if url.isLocalFile() and path.suffix.lower() in self._openable():
                return path
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_path(path)

    # -- selection sync ------------------------------------------------------------------------
    def _on_outliner_selection(self, node: int | None) -> None:
        scene = self._scene
        parts: tuple[str, ...] = ()
        if scene is not None and node is not None:
            below = set(subtree_nodes(scene, node))
            parts = tuple(p.id for p in scene.parts if p.node in below or node in scene.part_nodes(p))
        self.viewport.set_selection(parts)
        self.properties.show_node(scene, node)
        self.selectionChanged.emit(parts)

    def _on_viewport_selection(self, part_id: str | None) -> None:
        scene = self._scene
        node = scene.part(part_id).node if scene is not None and part_id is not None else None
        self.outliner.select_node(node)
        self.properties.show_node(scene, node)
        self.selectionChanged.emit((part_id,) if part_id else ())

    # -- chrome ------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(translate("MainWindow", "&File"))
        open_action = QAction(translate("MainWindow", "&Open…"), self, shortcut=QKeySequence.StandardKey.Open,
                              triggered=self._open_dialog)
        file_menu.addAction(open_action)
        self._recent_menu = QMenu(translate("MainWindow", "Open &Recent"), self)
        file_menu.addMenu(self._recent_menu)
        file_menu.addSeparator()
        #: features add their File actions above this separator (``file_menu.insertAction``)
        self.file_menu, self.file_menu_end = file_menu, file_menu.actions()[-1]
        file_menu.addAction(QAction(translate("MainWindow", "&Quit"), self, shortcut=QKeySequence.StandardKey.Quit,
                                    triggered=self.close))
        self._view_menu = self.menuBar().addMenu(translate("MainWindow", "&View"))
        frame = QAction(translate("MainWindow", "&Frame all"), self, shortcut=QKeySequence("Home"),
                        triggered=lambda: self.viewport.frame_all())
        self._view_menu.addAction(frame)
        unit_menu = self._view_menu.addMenu(translate("MainWindow", "Model &unit"))
        unit_menu.setToolTipsVisible(True)
        group = QActionGroup(self)
        #: View ▸ Model unit's actions by unit (checkable, one checked: the open model's)
        self.unit_actions: dict[str, QAction] = {}
        for unit, label in UNIT_CHOICES:
            action = QAction(translate("MainWindow", label), self, checkable=True)
            action.setToolTip(translate("MainWindow", "Read the open model's lengths in this unit (remembered for the file)"))
            action.triggered.connect(lambda _checked, unit=unit: self.set_model_unit(unit))
            group.addAction(action)
            unit_menu.addAction(action)
            self.unit_actions[unit] = action
        self._quality_menu = self._view_menu.addMenu(translate("MainWindow", "STEP &quality"))
        self._quality_menu.setToolTipsVisible(True)
        group = QActionGroup(self)
        #: View ▸ STEP quality's actions by quality name (enabled while a STEP file is open)
        self.quality_actions: dict[str, QAction] = {}
        for name, quality in QUALITIES.items():
            shown = translate("MainWindow", QUALITY_NAMES[name]) if name in QUALITY_NAMES else name.capitalize()
            action = QAction(f"{shown} ({quality.linear_mm:g} mm, {quality.angular_deg:g}°)", self, checkable=True)
            action.setToolTip(translate("MainWindow", "Tessellate the open STEP model this finely (remembered for the file)"))
            action.triggered.connect(lambda _checked, name=name: self.set_step_quality(name))
            group.addAction(action)
            self._quality_menu.addAction(action)
            self.quality_actions[name] = action
        self._sync_file_menus()
        self._build_language_menu()
        self._view_menu.addSeparator()
        self._fill_recent_menu()

    def _build_language_menu(self) -> None:
        """View ▸ Language: remembered, applied at the next start (app.display.language)."""
        menu = self._view_menu.addMenu(translate("MainWindow", "&Language"))
        menu.setToolTipsVisible(True)
        group = QActionGroup(self)
        chosen = str(self.language_settings.value(LANGUAGE_KEY, "system") or "system")
        #: View ▸ Language's actions by code ("system", "en", "zh_CN")
        self.language_actions: dict[str, QAction] = {}
        for code, name in LANGUAGE_CHOICES:
            action = QAction(name or translate("MainWindow", "System language"), self, checkable=True)
            action.setChecked(code == chosen)
            action.setToolTip(translate("MainWindow", "The interface language, from the next start"))
            action.triggered.connect(lambda _checked, code=code: self.set_language(code))
            group.addAction(action)
            menu.addAction(action)
            self.language_actions[code] = action

    def set_language(self, code: str) -> None:
        """Remember the interface language ("system", "en", "zh_CN") for the next start."""
        self.language_settings.setValue(LANGUAGE_KEY, code)
        self.language_settings.sync()
        if code in self.language_actions:
            self.language_actions[code].setChecked(True)
        self.statusBar().showMessage(
            translate("MainWindow", "The language changes when xrjig starts again."), 10000)

    def _fill_recent_menu(self) -> None:
        self._recent_menu.clear()
        for path in self.recent_files():
            self._recent_menu.addAction(Path(path).name, lambda p=path: self.open_path(p)).setToolTip(path)
        self._recent_menu.setEnabled(bool(self.recent_files()))

    def _build_status_bar(self) -> None:
        self._frame = QLabel("")
        self._triangles = QLabel("")
        self._mode = QLabel(translate("MainWindow", "orbit"))
        for label in (self._mode, self._triangles, self._frame):
            self.statusBar().addPermanentWidget(label)
        frame_text = translate("MainWindow", "frame {ms} ms")
        self.viewport.frameTimeChanged.connect(lambda ms: self._frame.setText(frame_text.format(ms=f"{ms:.1f}")))
        fly_text = translate("MainWindow", "fly: W A S D, Q E, drag to look (Tab: orbit)")
        orbit_text = translate("MainWindow", "orbit")
        self.viewport.flyModeChanged.connect(lambda fly: self._mode.setText(fly_text if fly else orbit_text))

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_discard():
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()
        super().closeEvent(event)
