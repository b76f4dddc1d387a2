"""The event log panel (shown in a dock): what the engine said happened, newest at the bottom.

Times are trial time (seconds since the task's first frame: the replay's time base, so a
moment in the log is the same moment on the replay's timeline); names are whole, details
readable, and a row's tooltip holds the event's exact data (views/event_text.py).
A bounded table (oldest rows drop off past ``max_rows``) so an hour-long session cannot grow
memory without limit; a filter box narrows it to kinds, parts or steps by substring.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from interaction.events import Event
from views.event_text import event_details, event_name, event_subject, event_tooltip, hand_name

COLUMNS = (
    QT_TRANSLATE_NOOP("EventLog", "t (s)"), QT_TRANSLATE_NOOP("EventLog", "event"),
    QT_TRANSLATE_NOOP("EventLog", "hand"), QT_TRANSLATE_NOOP("EventLog", "part / step / point"),
    QT_TRANSLATE_NOOP("EventLog", "details"),
)
translate = QCoreApplication.translate


class EventLogPanel(QWidget):
    """Appends engine events as table rows; ``filter_box`` hides rows not matching it."""

    def __init__(self, parent: QWidget | None = None, max_rows: int = 5000) -> None:
        super().__init__(parent)
        self.setObjectName("event_log_panel")
        self.max_rows = max_rows
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.filter_box = QLineEdit(self)
        self.filter_box.setPlaceholderText(translate("EventLog", "filter (kind, part, step...)"))
        self.filter_box.textChanged.connect(self._apply_filter)
        self.clear_button = QPushButton(translate("EventLog", "Clear"), self)
        self.clear_button.clicked.connect(self.clear)
        top.addWidget(self.filter_box, 1)
        top.addWidget(self.clear_button)
        layout.addLayout(top)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([translate("EventLog", c) for c in COLUMNS])
        self.table.horizontalHeader().setStretchLastSection(True)
        for column in range(len(COLUMNS) - 1):  # whole names, never "RELEASE_OU…"
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        #: session time of the task's first frame (the trial time origin)
        self.origin = 0.0
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table)

    def append(self, events: Iterable[Event]) -> None:
        events = list(events)
        if not events:
            return
        table = self.table
        at_bottom = table.verticalScrollBar().value() >= table.verticalScrollBar().maximum() - 2
        needle = self.filter_box.text().strip().lower()
        for event in events:
            row = table.rowCount()
            table.insertRow(row)
            cells = (
                f"{event.t - self.origin:.2f}",
                event_name(event.kind),
                hand_name(event.hand),
                event_subject(event),
                event_details(event),
            )
            tip = event_tooltip(event)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                table.setItem(row, col, item)
            table.setRowHidden(row, bool(needle) and needle not in " ".join(cells).lower())
        overflow = table.rowCount() - self.max_rows
        for _ in range(max(0, overflow)):
            table.removeRow(0)
        if at_bottom:
            table.scrollToBottom()

    def rows(self) -> list[tuple[str, ...]]:
        """The visible rows' texts (for tests and copy-out)."""
        t = self.table
        return [
            tuple(t.item(r, c).text() for c in range(t.columnCount()))
            for r in range(t.rowCount())
            if not t.isRowHidden(r)
        ]

    def clear(self) -> None:
        self.table.setRowCount(0)

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        t = self.table
        for r in range(t.rowCount()):
            row = " ".join(t.item(r, c).text() for c in range(t.columnCount())).lower()
            t.setRowHidden(r, bool(needle) and needle not in row)
