"""The Simplified Chinese interface (issue 16): the catalogue is complete and compiled, the
language choice, every visible text of the window, its docks, menus and dialogs, the replay
window and the report translated under zh_CN, and Chinese never drawn as boxes.

The window tests install the zh_CN translators on the test's QApplication (pytest-qt's) for
their own duration only; the rest of the suite runs in English (tests/conftest.py pins
XRJIG_LANGUAGE=en).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from app.display.language import I18N, catalogue_path, choose_language, normalize

ROOT = Path(__file__).resolve().parents[1]
TS = I18N / "xrjig_zh_CN.ts"
QM = catalogue_path("zh_CN")
BIN = ROOT / ".venv" / "bin"

#: words that stay as they are in a Chinese interface: names of products, formats, standards
#: and keys, units, and the English wake phrase of the English-only speech model
NOT_TRANSLATED = {
    "xrjig", "English", "anchor", "OpenXR", "MediaPipe", "OpenGL", "PocketSphinx", "NASA", "TLX", "SUS", "AR", "VR",
    "STEP", "PNG", "RMS", "ID", "mm", "cm", "ms", "px", "Esc", "Tab", "Ctrl", "PgUp", "PgDn",
    "hey", "computer", "yaml", "yml", "mcap", "mp4", "avi", "mov", "mkv", "webm", "jpg", "jpeg", "png",
    "stp", "step", "glb", "gltf", "obj", "stl", "ply", "xml", "json",
    # xrjig commands and options shown as commands to type
    "markers", "print", "size", "calibrate", "out", "FILE", "SIZE",
    # the board specification syntax (typed as is)
    "chessboard", "charuco", "COLSxROWS", "SQUARE_MM", "MARKER_MM", "DICT",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z_]+")


def _messages() -> list[ET.Element]:
    return [m for c in ET.parse(TS).getroot().iter("context") for m in c.iter("message")]


# -- the language choice (no Qt) -------------------------------------------------------------------
@pytest.mark.parametrize(("name", "code"), [
    ("zh_CN.UTF-8", "zh_CN"), ("zh-Hans-CN", "zh_CN"), ("zh", "zh_CN"), ("zh_SG", "zh_CN"),
    ("zh_TW", None), ("zh_Hant_HK", None), ("en_GB.UTF-8", "en"), ("C", "en"), ("de_DE", None),
    ("system", None), ("", None), (None, None),
])
def test_locale_names_map_to_offered_languages(name, code):
    assert normalize(name) == code


def test_environment_then_setting_then_system():
    assert choose_language("en", "zh_CN", "zh_CN") == "en"
    assert choose_language(None, "zh_CN", "en_US") == "zh_CN"
    assert choose_language(None, "system", "zh_CN.UTF-8") == "zh_CN"
    assert choose_language("", None, "fr_FR") == "en"


# -- the catalogue ------------------------------------------------------------------------------
def test_every_text_is_translated_and_reviewed():
    messages = _messages()
    assert len(messages) > 300
    open_ = [m.findtext("source") for m in messages
             if m.find("translation").get("type") in ("unfinished", "vanished", "obsolete")
             or not (m.findtext("translation") or "").strip()]
    assert not open_, f"untranslated in {TS.name}: {open_[:10]}"


def test_placeholders_and_accelerators_survive_translation():
    for m in _messages():
        source, translation = m.findtext("source"), m.findtext("translation")
        assert set(re.findall(r"\{\w+\}", source)) == set(re.findall(r"\{\w+\}", translation)), source
        if re.search(r"&\w", source):
            assert re.search(r"&\w", translation), f"{source!r}: the translation lost its accelerator"


def _tool(name: str) -> str:
    tool = BIN / name
    if not tool.exists():
        found = shutil.which(name)
        if found is None:
            pytest.skip(f"{name} (PySide6) is not installed here")
        return found
    return str(tool)


def test_committed_qm_is_the_compiled_ts(tmp_path):
    out = tmp_path / "check.qm"
    subprocess.run([_tool("pyside6-lrelease"), "-removeidentical", str(TS), "-qm", str(out)],
                   check=True, capture_output=True, timeout=120)
    assert out.read_bytes() == QM.read_bytes(), "run scripts/update-translations.sh and commit the .qm"


def test_ts_holds_every_text_of_the_code(tmp_path):
    """lupdate over the sources finds nothing new: no text was added to the code without
    reaching the catalogue (scripts/update-translations.sh)."""
    copy = tmp_path / TS.name
    shutil.copy(TS, copy)
    sources = sorted(str(p) for d in ("app", "views", "devices") for p in (ROOT / d).rglob("*.py")
                     if "__pycache__" not in p.parts)
    done = subprocess.run([_tool("pyside6-lupdate"), "-no-obsolete", "-locations", "none", *sources, "-ts", str(copy)],
                          check=True, capture_output=True, text=True, timeout=300)
    assert "(0 new and" in done.stdout, done.stdout
    before = {(m.findtext("source"), m.findtext("translation")) for m in _messages()}
    after = {(m.findtext("source"), m.findtext("translation"))
             for c in ET.parse(copy).getroot().iter("context") for m in c.iter("message")}
    assert after == before, "texts left the code: run scripts/update-translations.sh"


def test_texts_kept_outside_views_have_their_translation():
    """Lists that views keep for lupdate match what they translate (SUS items, parameters,
    event kinds)."""
    from interaction.events import EventKind
    from interaction.params import InteractionParams
    from interaction.questionnaires import SUS_ITEMS, TLX_SUBSCALES
    from views.event_text import EVENT_NAMES
    from views.params_dock import PARAM_LABELS, _label
    from views.trial_dialogs import SUS_WORDING, TLX_WORDING

    assert SUS_WORDING == SUS_ITEMS
    assert set(TLX_WORDING) == set(TLX_SUBSCALES)
    raw = {f.name: f.name for f in dataclasses.fields(InteractionParams)}
    assert {_label(n) for n in raw} <= set(PARAM_LABELS)  # English here: the label is its source
    kinds = [v for k, v in vars(EventKind).items() if k.isupper() and isinstance(v, str)]
    assert {k.replace("_", " ").lower() for k in kinds} <= set(EVENT_NAMES)


# -- the window in Chinese ------------------------------------------------------------------------
def english_words(text: str, allowed: set[str]) -> list[str]:
    """Words of ASCII letters in ``text`` that are not allowed to stay English."""
    text = re.sub(r"<[^>]+>|&[a-z]+;", " ", text)  # markup and its entities
    text = text.replace("&&", "").replace("&", "")  # accelerators
    text = re.sub(r"\*?\.[a-z0-9]+\b", " ", text)  # file patterns and suffixes
    return [w for w in _WORD.findall(text) if w not in allowed and w.lower() not in allowed]


def visible_texts(root) -> list[tuple[str, str]]:
    """(where, text) of everything a person reads in ``root`` and its children: titles, menus,
    actions, labels, buttons, group boxes, docks, tabs, combo items, headers, placeholders,
    tooltips."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import (
        QAbstractButton,
        QComboBox,
        QDockWidget,
        QGroupBox,
        QLabel,
        QLineEdit,
        QMenu,
        QTableWidget,
        QTabWidget,
        QToolBar,
        QTreeWidget,
        QWidget,
    )

    out: list[tuple[str, str]] = [("title", root.windowTitle())]
    if hasattr(root, "statusBar"):
        out.append(("status", root.statusBar().currentMessage()))
    for action in root.findChildren(QAction):
        out += [("action", action.text()), ("action tip", action.toolTip() if action.toolTip() != action.text().replace("&", "") else "")]
    for widget in [root, *root.findChildren(QWidget)]:
        name = type(widget).__name__
        out.append((f"{name} tip", widget.toolTip()))
        if isinstance(widget, QMenu):
            out.append(("menu", widget.title()))
        elif isinstance(widget, QLabel):
            out.append(("label", widget.text()))
        elif isinstance(widget, QAbstractButton):
            out.append((name, widget.text()))
        elif isinstance(widget, QGroupBox):
            out.append(("group", widget.title()))
        elif isinstance(widget, (QDockWidget, QToolBar)):
            out.append((name, widget.windowTitle()))
        elif isinstance(widget, QTabWidget):
            out += [("tab", widget.tabText(i)) for i in range(widget.count())]
        elif isinstance(widget, QComboBox):
            out += [("combo", widget.itemText(i)) for i in range(widget.count())]
        elif isinstance(widget, QLineEdit):
            out.append(("placeholder", widget.placeholderText()))
        if isinstance(widget, QTreeWidget):
            header = widget.headerItem()
            out += [("header", header.text(i)) for i in range(header.columnCount())]
        elif isinstance(widget, QTableWidget):
            out += [("header", widget.horizontalHeaderItem(i).text()) for i in range(widget.columnCount())
                    if widget.horizontalHeaderItem(i) is not None]
    return [(w, t) for w, t in out if t]


def untranslated(root, allowed: set[str]) -> list[tuple[str, str]]:
    return [(where, text) for where, text in visible_texts(root)
            if text not in allowed and english_words(text, allowed)]


@pytest.fixture
def chinese(qapp):
    """The zh_CN translators on the test's application, for this test only."""
    from PySide6.QtCore import QLocale

    from app.display.language import install_language

    before = QLocale()
    translators = install_language(qapp, "zh_CN")
    yield
    for translator in translators:
        qapp.removeTranslator(translator)
    QLocale.setDefault(before)


def scenario_words() -> set[str]:
    """The sample's own names (parts, steps, points, variants, file names): the designer's
    data, shown as written."""
    from scenes.samples import SAMPLE_SCENARIO
    from scenes.scenario import load_scenario

    scenario = load_scenario(SAMPLE_SCENARIO)
    texts = [*scenario.variants, SAMPLE_SCENARIO.name, str(scenario.model)]
    texts += [f"{s.id} {s.label or ''}" for s in scenario.steps]
    texts += [f"{p.id} {p.instruction}" for p in scenario.inspection_points]
    if scenario.scene is not None:
        texts += [f"{p.display_name} {p.id}" for p in scenario.scene.parts]
        texts += [n.name or "" for n in scenario.scene.nodes]
    return {w for t in texts for w in _WORD.findall(t)} | {w.lower() for t in texts for w in _WORD.findall(t)}


def device_reasons() -> set[str]:
    """Why a device cannot run here: said by the Qt-free device code, in English."""
    from app.window.device_choice import device_choices

    return {c.why_not for c in device_choices() if c.why_not}


@pytest.mark.gl
def test_window_docks_menus_and_dialogs_are_chinese(qtbot, tmp_path, chinese):
    from PySide6.QtWidgets import QDialog

    from app.window.controller import attach_interaction
    from scenes.samples import SAMPLE_SCENARIO, SAMPLE_SCENE
    from scenes.scenario_anchor import MARKER_DICTIONARIES
    from tests.conftest import interaction_window
    from views.anchor_marker import MarkerChoice, MarkerDialog
    from views.calibration_dialog import CalibrationDialog
    from views.camera_dock import GazeCalibrationDialog
    from views.session_dialog import JoinDialog
    from views.trial_dialogs import QuestionnaireDialog, StartTrialDialog

    window, controller = interaction_window(qtbot, tmp_path, size=(1400, 900))
    controller.request_scenario(SAMPLE_SCENARIO)
    assert window.open_file(SAMPLE_SCENE, remember=False)
    qtbot.waitUntil(lambda: controller.session is not None, timeout=60000)
    controller.session.tick(0.0)
    allowed = NOT_TRANSLATED | scenario_words()
    reasons = device_reasons()
    left = [(w, t) for w, t in untranslated(window, allowed) if t not in reasons]
    assert not left, f"English left in the main window under zh_CN: {left}"
    assert "文件" in window.menuBar().actions()[0].text()
    assert attach_interaction  # the window above has interaction attached

    dialogs: list[QDialog] = [
        StartTrialDialog(["novice", "expert"], "novice", "desktop", tmp_path, "P07", window),
        StartTrialDialog([], None, "desktop", tmp_path, "", window),
        QuestionnaireDialog("P07", window),
        MarkerDialog(MarkerChoice(80.0, 23, "DICT_4X4_50"), "", window),
        CalibrationDialog("chessboard:9x6:25", window),
        GazeCalibrationDialog(parent=window),
        JoinDialog(window.settings, "anna", window),
    ]
    # typed as they are: names, and a session endpoint's syntax (lan, tcp/host:7447)
    typed = {"P07", "novice", "expert", "anna", "review", "lan", "tcp", "host"}
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        left = untranslated(dialog, allowed | typed | set(MARKER_DICTIONARIES))
        assert not left, f"English left in {type(dialog).__name__} under zh_CN: {left}"
    window.show_error("x")
    assert window.error_box is not None
    buttons = [b.text() for b in window.error_box.buttons()]
    assert buttons and not any(english_words(b, set()) for b in buttons), buttons  # Qt's own, qtbase_zh_CN


@pytest.mark.gl
def test_replay_window_is_chinese(qtbot, tmp_path, chinese, as1_recording):
    from PySide6.QtCore import QSettings

    from app.window.replay_window import open_replay_window

    mode = open_replay_window(as1_recording, settings=QSettings(str(tmp_path / "r.ini"), QSettings.Format.IniFormat),
                              autostart=False)
    qtbot.addWidget(mode.window)
    allowed = NOT_TRANSLATED | scenario_words() | {as1_recording.name, "as1", "autopilot"}  # its participant and device
    left = untranslated(mode.window, allowed)
    assert not left, f"English left in the replay window under zh_CN: {left}"
    mode.window.close()


# -- status lines with figures, undo names, voice -------------------------------------------------
def _ar_views():
    import numpy as np

    from devices.camera.ar_camera import ArView
    from devices.camera.intrinsics import CameraIntrinsics
    from devices.camera.marker_tracking import TrackState

    image, pinhole, pose = np.zeros((4, 4, 3), np.uint8), CameraIntrinsics(np.eye(3)), np.eye(4)
    for approximate in (False, True):
        yield ArView(0, 3.0, TrackState.TRACKING, image, pinhole, "marker 23", pose, 0.43, 3.0, approximate)
        yield ArView(0, 3.0, TrackState.TRACKING, image, pinhole, "marker 23", pose, None, 3.0, approximate)
        yield ArView(0, 3.0, TrackState.HOLDING, image, pinhole, "marker 23", pose, None, 2.5, approximate)
        yield ArView(0, 3.0, TrackState.LOST, image, pinhole, "marker 23", None, None, 1.0, approximate)
        yield ArView(0, 3.0, TrackState.LOST, image, pinhole, "marker 23", None, None, None, approximate)


def test_ar_status_lines_match_the_device_in_english():
    """The window says ArView.status() itself so that it can translate it: in English, word
    for word the device's line."""
    from app.window.ar_mode import ar_status

    for view in _ar_views():
        assert ar_status(view, view.target_name) == view.status()


def test_ar_status_lines_are_chinese_under_zh_cn(chinese):
    from app.window.ar_mode import ar_status, target_text
    from scenes.scenario_anchor import Anchor

    anchor = Anchor(np.zeros(7), marker_id=23, size_m=0.05)
    assert target_text(anchor) == "标记 23"
    for view in _ar_views():
        line = ar_status(view, target_text(anchor))
        assert line.startswith("AR：") and "标记 23" in line and not english_words(line, NOT_TRANSLATED), line


def _undo_marks() -> set[str]:
    """Undo names marked in the Qt-free code (lupdate does not read scenes/)."""
    found = set()
    for path in [*(ROOT / "scenes").rglob("*.py"), *(ROOT / "app" / "model").rglob("*.py")]:
        found |= set(re.findall(r'QT_TRANSLATE_NOOP\(\s*"Undo",\s*"([^"]+)"\)', path.read_text(encoding="utf-8")))
    return found


def test_undo_names_marked_in_scenes_reach_the_catalogue():
    from views.authoring import UNDO_NAMES

    assert _undo_marks() == set(UNDO_NAMES)
    undo = {m.findtext("source") for c in ET.parse(TS).getroot().iter("context") if c.findtext("name") == "Undo"
            for m in c.iter("message")}
    assert set(UNDO_NAMES) <= undo


def _document_with_point():
    from scenes.scenario import InspectionPoint, Scenario
    from scenes.scenario_document import ScenarioDocument

    document = ScenarioDocument(Scenario(model=Path("m.glb")))
    document.add_inspection_point(InspectionPoint(id="P3", node="n", point=np.zeros(3), normal=np.array([0, 0, 1.0])))
    return document


def test_undo_history_names_stay_english_in_english(qapp):
    from PySide6.QtCore import QObject

    from views.authoring import undo_actions

    document, parent = _document_with_point(), QObject()
    undo, redo = undo_actions(document.stack, parent)
    assert document.stack.undo_text == "Add inspection point P3" and undo.text() == "&Undo Add inspection point P3"
    document.stack.undo()
    assert redo.text() == "&Redo Add inspection point P3" and undo.text() == "&Undo"


def test_undo_history_names_are_chinese_under_zh_cn(qapp, chinese):
    """Edit ▸ Undo names the step in Chinese (the point's id as the designer wrote it); the
    stack itself keeps the English name."""
    from PySide6.QtCore import QObject

    from views.authoring import command_name, undo_actions

    document, parent = _document_with_point(), QObject()
    undo, redo = undo_actions(document.stack, parent)
    assert command_name(document.stack.undo_command) == "添加检验点 P3"
    assert undo.text() == "撤销“添加检验点 P3”(&U)" and redo.text() == "重做(&R)"
    document.stack.undo()  # the actions follow the stack
    assert undo.text() == "撤销(&U)" and redo.text() == "重做“添加检验点 P3”(&R)"
    document.stack.redo()
    document.stack.begin_macro("Edit parameters")  # as app/model/workspace.py marks it
    document.set_tolerance("position_mm", 2.0)
    document.stack.end_macro()
    assert undo.text() == "撤销“编辑参数”(&U)" and document.stack.undo_text == "Edit parameters"


def test_voice_rejections_say_why_in_chinese(qtbot, chinese):
    """Every reason the recogniser gives (English words, devices/voice/recognizer.py) has
    its translation; the indicator shows it, the heard phrase as it was heard."""
    from views.voice_indicator import REJECTION_REASONS, VoiceIndicator, rejection_text

    source = (ROOT / "devices" / "voice" / "recognizer.py").read_text(encoding="utf-8")
    assert set(re.findall(r'reason="([^"]+)"', source)) == set(REJECTION_REASONS)
    indicator = VoiceIndicator()
    qtbot.addWidget(indicator)
    indicator.show_state("rejected", rejection_text("fail", "unsure"))
    assert indicator.text() == "语音：已拒绝 “fail – 没有把握”"
    for reason in REJECTION_REASONS:
        assert not english_words(rejection_text("", reason), set()), reason


def test_figures_lines_under_zh_cn(qtbot, chinese):
    """Lines with figures and names in them: the headset label, the variant chooser of a
    scenario without variants, the microphone's message."""
    from app.window.headset_mirror import headset_text
    from views.params_dock import DEFAULT_VARIANT, ParamsPanel

    assert headset_text("FOCUSED", 5.44) == "头显：聚焦（FOCUSED） · 每只眼 5.4 毫秒"
    panel = ParamsPanel()
    qtbot.addWidget(panel)
    chosen = []
    panel.variant_chosen.connect(chosen.append)
    panel.set_variants([])
    assert panel.variant_box.itemText(0) == "默认" and panel.variant_box.itemData(0) == DEFAULT_VARIANT
    panel.set_variants(["novice", "expert"], "novice")
    panel.variant_box.setCurrentIndex(1)
    assert chosen == ["expert"]


# -- fonts ----------------------------------------------------------------------------------------
@pytest.mark.gl
def test_chinese_is_drawn_with_glyphs_not_boxes(qtbot, chinese):
    """A Chinese label renders with a font that has the characters, and different
    characters give different pictures (tofu boxes would all look the same)."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QColor, QFontDatabase, QFontInfo, QFontMetrics, QImage, QPainter
    from PySide6.QtWidgets import QLabel

    families = [f for f in QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)]
    assert families, "no font for Simplified Chinese: scripts/install-system-packages.sh installs fonts-noto-cjk"
    text = QCoreApplication.translate("Scenario", "Inspection checklist")
    assert text == "检验清单"
    label = QLabel(text)
    qtbot.addWidget(label)
    metrics = QFontMetrics(label.font())
    assert all(metrics.inFontUcs4(ord(c)) for c in text) or QFontInfo(label.font()).family() in families

    def glyph(char: str) -> bytes:
        image = QImage(48, 48, QImage.Format.Format_Grayscale8)
        image.fill(QColor(255, 255, 255))
        painter = QPainter(image)
        font = label.font()
        font.setPixelSize(40)
        painter.setFont(font)
        painter.setPen(QColor(0, 0, 0))
        painter.drawText(4, 40, char)
        painter.end()
        return bytes(image.constBits())

    pictures = {c: glyph(c) for c in "检验装配公差"}
    assert len(set(pictures.values())) == len(pictures), "characters drawn alike: boxes instead of glyphs"
    assert all(p != glyph(" ") for p in pictures.values())


# -- the report --------------------------------------------------------------------------------
def test_report_and_its_plots_follow_the_language(tmp_path):
    """``write_report(language="zh_CN")``: the page's own words are Chinese (figures, names
    of tests and the designer's step labels excepted) and the plots' font has the glyphs."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    from app.reports.html import cjk_font, step_times_figure, write_report
    from tests.test_report_views import synthetic_trials

    trials, labels = synthetic_trials(3)
    page = write_report(trials, tmp_path, notes=[], step_labels=labels, language="zh_CN").read_text(encoding="utf-8")
    assert "试验报告" in page and "方案对比" in page and "<html lang='zh-CN'>" in page
    body = re.sub(r"<style>.*?</style>|<img[^>]*>", " ", page, flags=re.S)
    words = set(english_words(body, NOT_TRANSLATED | {"html", "lang", "zh", "CN", "doctype", "meta", "charset",
                                                       "utf", "title", "small", "figure", "figcaption"}))
    # proper names of tests and of the events the errors count, the recordings and variants
    allowed = {"Mann", "Whitney", "Kruskal", "Wallis", "Welch", "Wilcoxon", "Friedman", "WRONG_PART", "WRONG_ORDER",
               "RELEASE_OUT_OF_TOLERANCE", "COLLISION_START", "VT", "novice", "expert", "mcap", "SD"}
    assert words <= allowed, words - allowed
    assert cjk_font() is not None, "no CJK font for the plots: scripts/install-system-packages.sh installs one"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" is a warning: boxes in the plot
        from app.reports.html import plot_language

        with plot_language("zh_CN"):
            fig = step_times_figure(trials, labels, "zh_CN")
            fig.canvas.draw()
    assert fig._suptitle.get_text().startswith("各方案")
    english = write_report(trials, tmp_path / "en", step_labels=labels) if (tmp_path / "en").mkdir() is None else None
    assert english is not None and "Trial report" in english.read_text(encoding="utf-8")
