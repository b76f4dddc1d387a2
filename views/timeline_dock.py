"""The replay timeline (shown in a dock): transport, speed, a scrub bar with event markers,
and the list of recorded events. Views only: it emits requests (play, seek, step, speed)
and shows what the app tells it; it never touches a recording or an engine.

Markers sit in one lane per kind of moment a researcher looks for (grabs, snaps, errors,
steps done, inspection marks), so a cluster of errors stands out from a run of grabs at a
glance; clicking a marker seeks to its time, clicking elsewhere on the bar scrubs there.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QMouseEvent, QPainter, QPaintEvent, QPen, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QToolButton,
    QToolTip,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from interaction.events import Event, EventKind
from interaction.metrics import ERROR_KINDS
from views.event_text import event_details, event_name, event_tooltip

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
#: marker lanes, top to bottom, with their colours
LANES: dict[str, QColor] = {
    "grab": QColor(90, 170, 255),
    "snap": QColor(80, 210, 110),
    "error": QColor(240, 70, 60),
    "step": QColor(250, 200, 60),
    "mark": QColor(200, 120, 255),
}
translate = QCoreApplication.translate
#: the lanes' shown names
LANE_NAMES = {
    "grab": QT_TRANSLATE_NOOP("Timeline", "grab"), "snap": QT_TRANSLATE_NOOP("Timeline", "snap"),
    "error": QT_TRANSLATE_NOOP("Timeline", "error"), "step": QT_TRANSLATE_NOOP("Timeline", "step"),
    "mark": QT_TRANSLATE_NOOP("Timeline", "mark"),
}
_LANE_OF_KIND = {
    EventKind.GRAB: "grab",
    EventKind.SNAP: "snap",
    **{kind: "error" for kind in ERROR_KINDS},
    EventKind.STEP_DONE: "step",
    EventKind.TASK_COMPLETE: "step",
    EventKind.POINT_MARKED: "mark",
}
_LANE_H = 10
_PAD = 6
#: room for the lane names left of the bar
_LEFT = 44
_HIT_PX = 4


@dataclass(frozen=True)
class Marker:
    """One event on the timeline: recording time, lane and a one-line description."""

    t: float
    lane: str
    label: str


def describe(event: Event) -> str:
    subject = " / ".join(x for x in (event.part, event.step, event.point) if x)
    return f"{event.kind} {subject}".strip()


def markers_from_events(events: Iterable[Event]) -> list[Marker]:
    """The events worth a marker (others only appear in the list)."""
    return [Marker(e.t, _LANE_OF_KIND[e.kind], f"{event_name(e.kind)} {describe(e)[len(e.kind):].strip()}".strip())
            for e in events if e.kind in _LANE_OF_KIND]


class TimelineBar(QWidget):
    """Scrub bar: lanes of markers, the playhead, and how far seeking is already cheap."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumHeight(2 * _PAD + _LANE_H * len(LANES) + 4)
        self.start, self.end, self.position, self.ready = 0.0, 1.0, 0.0, 1.0
        self.markers: list[Marker] = []

    def sizeHint(self) -> QSize:
        return QSize(600, self.minimumHeight())

    def set_range(self, start: float, end: float) -> None:
        self.start, self.end = start, max(end, start + 1e-6)
        self.ready = self.end
        self.update()

    def set_markers(self, markers: list[Marker]) -> None:
        self.markers = list(markers)
        self.update()

    def set_position(self, t: float) -> None:
        self.position = t
        self.update()

    def set_ready(self, t: float) -> None:
        """Seeks up to ``t`` are fast; the rest of the bar is drawn dimmer until then."""
        self.ready = t
        self.update()

    # -- geometry ---------------------------------------------------------------------
    def x_of(self, t: float) -> float:
        width = max(self.width() - _LEFT - _PAD, 1)
        return _LEFT + (t - self.start) / (self.end - self.start) * width

    def t_of(self, x: float) -> float:
        width = max(self.width() - _LEFT - _PAD, 1)
        return min(self.end, max(self.start, self.start + (x - _LEFT) / width * (self.end - self.start)))

    def lane_y(self, lane: str) -> float:
        """Vertical centre of a lane, in widget pixels."""
        return _PAD + (list(LANES).index(lane) + 0.5) * _LANE_H

    def marker_at(self, pos: QPointF) -> Marker | None:
        """The marker under ``pos`` (nearest in its lane, within a few pixels)."""
        best, best_dx = None, _HIT_PX + 1.0
        for m in self.markers:
            dx = abs(self.x_of(m.t) - pos.x())
            if abs(self.lane_y(m.lane) - pos.y()) <= _LANE_H / 2 + 1 and dx < best_dx:
                best, best_dx = m, dx
        return best

    # -- painting and input ---------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        p.fillRect(self.rect(), self.palette().base())
        font = p.font()
        font.setPixelSize(_LANE_H - 1)
        p.setFont(font)
        for k, (lane, colour) in enumerate(LANES.items()):
            shade = QColor(colour)
            shade.setAlpha(28)
            top = _PAD + k * _LANE_H
            p.fillRect(QRectF(_LEFT, top, w - _LEFT - _PAD, _LANE_H - 1), shade)
            p.setPen(colour.darker(130))
            p.drawText(QRectF(2, top - 1, _LEFT - 6, _LANE_H + 1), Qt.AlignmentFlag.AlignRight, translate("Timeline", LANE_NAMES[lane]))
        for m in self.markers:
            x, y = self.x_of(m.t), self.lane_y(m.lane)
            p.setPen(QPen(LANES[m.lane], 2))
            p.drawLine(QPointF(x, y - _LANE_H / 2 + 1), QPointF(x, y + _LANE_H / 2 - 1))
        if self.ready < self.end:
            p.fillRect(QRectF(self.x_of(self.ready), 0, w - self.x_of(self.ready), h), QColor(0, 0, 0, 60))
        x = self.x_of(self.position)
        p.setPen(QPen(self.palette().text().color(), 2))
        p.drawLine(QPointF(x, 1), QPointF(x, h - 1))
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            marker = self.marker_at(event.position())
            self.seek_requested.emit(marker.t if marker else self.t_of(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.seek_requested.emit(self.t_of(event.position().x()))
            return
        marker = self.marker_at(event.position())
        if marker is not None:
            QToolTip.showText(event.globalPosition().toPoint(), f"{marker.t - self.start:.2f} s  {marker.label}", self)
        else:
            QToolTip.hideText()


class TimelinePanel(QWidget):
    """Transport row, scrub bar and event list; see the module docstring."""

    play_requested = Signal(bool)
    seek_requested = Signal(float)
    #: step this many recorded frames (negative: back)
    step_requested = Signal(int)
    speed_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline_panel")
        self.playing = False
        self._start = 0.0
        self._duration = 0.0
        #: recorded event times, for the list to follow the playhead
        self._event_times: list[float] = []
        style = self.style()
        self._icons = {playing: style.standardIcon(icon) for playing, icon in
                       ((False, QStyle.StandardPixmap.SP_MediaPlay), (True, QStyle.StandardPixmap.SP_MediaPause))}
        self.play_button = QToolButton(self)
        self.play_button.setToolTip(translate("Timeline", "Play / pause (Space)"))
        self.play_button.clicked.connect(lambda: self.play_requested.emit(not self.playing))
        back, forward = QToolButton(self), QToolButton(self)
        back.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward))
        back.setToolTip(translate("Timeline", "Step back one frame (←)"))
        forward.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward))
        forward.setToolTip(translate("Timeline", "Step forward one frame (→)"))
        back.clicked.connect(lambda: self.step_requested.emit(-1))
        forward.clicked.connect(lambda: self.step_requested.emit(1))
        self.speed_box = QComboBox(self)
        self.speed_box.setToolTip(translate("Timeline", "Playback speed ([ slower, ] faster)"))
        for s in SPEEDS:
            self.speed_box.addItem(f"{s:g}×", s)
        self.speed_box.activated.connect(lambda i: self.speed_requested.emit(SPEEDS[i]))
        self.time_label = QLabel(self)
        self.warning_label = QLabel(self)
        self.warning_label.setStyleSheet("color: #d08000")
        self.warning_label.setWordWrap(True)
        row = QHBoxLayout()
        for widget in (back, self.play_button, forward, self.speed_box, self.time_label):
            row.addWidget(widget)
        row.addWidget(self.warning_label, 1)
        self.bar = TimelineBar(self)
        self.bar.seek_requested.connect(self.seek_requested)
        self.events = QTreeWidget(self)
        self.events.setHeaderLabels([translate("Timeline", "t (s)"), translate("Timeline", "event"),
                                     translate("Timeline", "part / step / point"), translate("Timeline", "details")])
        self.events.setRootIsDecorated(False)
        for column in (0, 1, 2):
            self.events.header().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.events.itemClicked.connect(lambda item: self.seek_requested.emit(item.data(0, Qt.ItemDataRole.UserRole)))
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.bar)
        layout.addWidget(self.events, 1)
        self.set_playing(False)
        self.set_speed(1.0)

    def set_recording(self, start: float, end: float, events: list[Event]) -> None:
        """The recording's time range and its recorded events (markers and list)."""
        self._start, self._duration = start, end - start
        self.bar.set_range(start, end)
        self.bar.set_markers(markers_from_events(events))
        self.events.clear()
        self._event_times = [e.t for e in events]
        for e in events:
            item = QTreeWidgetItem([f"{e.t - start:.2f}", event_name(e.kind), describe(e)[len(e.kind):].strip(),
                                    event_details(e)])
            for column in range(4):
                item.setToolTip(column, event_tooltip(e))
            item.setData(0, Qt.ItemDataRole.UserRole, e.t)
            lane = _LANE_OF_KIND.get(e.kind)
            if lane is not None:
                item.setForeground(1, LANES[lane])
            self.events.addTopLevelItem(item)
        self.set_position(start)

    def set_position(self, t: float) -> None:
        self.bar.set_position(t)
        self.time_label.setText(f"{t - self._start:7.2f} / {self._duration:.2f} s")
        last = bisect.bisect_right(self._event_times, t) - 1  # the latest event shown so far
        item = self.events.topLevelItem(last) if last >= 0 else None
        if item is not self.events.currentItem():
            self.events.setCurrentItem(item)
            if item is not None:
                self.events.scrollToItem(item)

    def set_playing(self, playing: bool) -> None:
        self.playing = playing
        self.play_button.setIcon(self._icons[playing])

    def set_speed(self, speed: float) -> None:
        self.speed_box.setCurrentIndex(min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed)))

    def set_warning(self, text: str) -> None:
        self.warning_label.setText(text)
        self.warning_label.setToolTip(text)

    def install_shortcuts(self, window: QWidget) -> None:
        """Space play/pause, ← / → step a frame, [ / ] slower / faster, anywhere in ``window``."""
        keys = {
            Qt.Key.Key_Space: lambda: self.play_requested.emit(not self.playing),
            Qt.Key.Key_Left: lambda: self.step_requested.emit(-1),
            Qt.Key.Key_Right: lambda: self.step_requested.emit(1),
            Qt.Key.Key_BracketLeft: lambda: self._shift_speed(-1),
            Qt.Key.Key_BracketRight: lambda: self._shift_speed(1),
        }
        for key, slot in keys.items():
            shortcut = QShortcut(QKeySequence(key), window)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)

    def _shift_speed(self, by: int) -> None:
        i = min(max(self.speed_box.currentIndex() + by, 0), len(SPEEDS) - 1)
        self.speed_requested.emit(SPEEDS[i])
