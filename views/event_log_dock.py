"""The event log panel (shown in a dock): what the engine said happened, newest at the bottom.

A bounded table (oldest rows drop off past ``max_rows``) so an hour-long session cannot grow
memory without limit; a filter box narrows it to kinds, parts or steps by substring.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from interaction.events import Event

COLUMNS = ("t (s)", "event", "hand", "part / step / point", "details")


def _subject(event: Event) -> str:
    return " / ".join(x for x in (event.part, event.step, event.point) if x)


def _details(event: Event) -> str:
    return json.dumps(event.data, sort_keys=True) if event.data else ""


class EventLogPanel(QWidget):
    """Appends engine events as table rows; ``filter_box`` hides rows not matching it."""

    def __init__(self, parent: QWidget | None = None, max_rows: int = 5000) -> None:
        super().__init__(parent)
        self.setObjectName("event_log_panel")
        self.max_rows = max_rows
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.filter_box = QLineEdit(self)
        self.filter_box.setPlaceholderText("filter (kind, part, step...)")
        self.filter_box.textChanged.connect(self._apply_filter)
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.clicked.connect(self.clear)
        top.addWidget(self.filter_box, 1)
        top.addWidget(self.clear_button)
        layout.addLayout(top)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(True)
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
                f"{event.t:.3f}",
                event.kind,
                event.hand or "",
                _subject(event),
                _details(event),
            )
            for col, text in enumerate(cells):
                table.setItem(row, col, QTableWidgetItem(text))
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
