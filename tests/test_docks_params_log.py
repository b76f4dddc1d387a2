"""Parameters dock, event log dock and help overlay, driven through real Qt widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from interaction.events import Event
from interaction.params import GrabMode, InteractionParams
from views.event_log_dock import EventLogPanel
from views.help_overlay import HelpOverlay
from views.params_dock import ParamsPanel


def test_params_dock_emits_validated_params_on_edit(qtbot):
    dock = ParamsPanel(InteractionParams())
    qtbot.addWidget(dock)
    seen = []
    dock.params_edited.connect(seen.append)
    spin = dock.editors["snap_position_mm"]
    spin.setValue(15.0)
    assert seen[-1].snap_position_mm == 15.0
    dock.editors["grab_mode"].setCurrentText("smoothed")
    assert seen[-1].grab_mode is GrabMode.SMOOTHED and seen[-1].snap_position_mm == 15.0
    dock.editors["collision_check"].setChecked(False)
    assert seen[-1].collision_check is False


def test_params_dock_refuses_inconsistent_thresholds(qtbot):
    dock = ParamsPanel(InteractionParams())
    qtbot.addWidget(dock)
    seen = []
    dock.params_edited.connect(seen.append)
    dock.editors["release_threshold"].setValue(0.9)  # above the press threshold (0.7)
    assert seen == []
    assert "release_threshold" in dock.error_label.text()
    assert dock.params.release_threshold == 0.4


def test_params_dock_typing_a_value_and_enter(qtbot):
    dock = ParamsPanel(InteractionParams())
    qtbot.addWidget(dock)
    dock.show()
    seen = []
    dock.params_edited.connect(seen.append)
    spin = dock.editors["magnet_radius_mm"]
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "42")
    assert seen == []  # no emission per digit
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert seen[-1].magnet_radius_mm == pytest.approx(42.0)


def test_params_dock_set_params_does_not_emit(qtbot):
    dock = ParamsPanel()
    qtbot.addWidget(dock)
    seen = []
    dock.params_edited.connect(seen.append)
    dock.set_params(InteractionParams(snap_angle_deg=3.0))
    assert seen == [] and dock.editors["snap_angle_deg"].value() == 3.0
    chosen = []
    dock.variant_chosen.connect(chosen.append)
    dock.set_variants(["a", "b"], current="a")
    assert chosen == []
    dock.variant_box.setCurrentText("b")
    assert chosen == ["b"]


def _event(i, kind, **kw):
    return Event(frame=i, t=i / 90, kind=kind, **kw)


def test_event_log_appends_filters_and_bounds(qtbot):
    dock = EventLogPanel(max_rows=5)
    qtbot.addWidget(dock)
    dock.append(
        [_event(1, "grab", hand="right", part="/a"), _event(2, "snap", part="/a", data={"mm": 1.5})]
    )
    rows = dock.rows()
    assert [r[1] for r in rows] == ["grab", "snap"]
    assert rows[1][4] == "mm: 1.5"
    assert '"mm": 1.5' in dock.table.item(1, 4).toolTip()  # the exact data on hover
    dock.filter_box.setText("snap")
    assert [r[1] for r in dock.rows()] == ["snap"]
    dock.append([_event(3, "grab", part="/b"), _event(4, "snap", part="/b")])
    assert [r[3] for r in dock.rows()] == ["/a", "/b"]
    dock.filter_box.setText("")
    dock.append([_event(i, "hover") for i in range(5, 9)])
    assert len(dock.rows()) == 5 and dock.rows()[0][1] == "snap"  # oldest dropped
    qtbot.mouseClick(dock.clear_button, Qt.MouseButton.LeftButton)
    assert dock.rows() == []


def test_help_overlay_lists_controls_and_toggles(qtbot):
    from PySide6.QtWidgets import QWidget

    from devices.desktop import CONTROLS

    host = QWidget()
    qtbot.addWidget(host)
    host.resize(800, 600)
    help_ = HelpOverlay(host, CONTROLS)
    host.show()
    assert help_.isVisible()
    assert "Right button / G" in help_.text()
    help_.toggle()
    assert not help_.isVisible()


def test_event_log_shows_whole_names_in_trial_time(qtbot):
    dock = EventLogPanel()
    qtbot.addWidget(dock)
    dock.resize(500, 200)
    dock.origin = 12.0  # the task's first frame was at session time 12 s
    event = Event(frame=9, t=13.25, kind="RELEASE_OUT_OF_TOLERANCE", part="/a",
                  data={"position_error_mm": 12.3456, "angle_error_deg": 3.0})
    dock.append([event])
    (row,) = dock.rows()
    assert row[0] == "1.25" and row[1] == "release out of tolerance"
    assert row[4] == "angle_error_deg: 3, position_error_mm: 12.35"
    # the name column is wide enough for the whole name
    width = dock.table.fontMetrics().horizontalAdvance(row[1])
    assert dock.table.columnWidth(1) >= width
