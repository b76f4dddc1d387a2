"""Session ▸ Join…: where the shared session is, its name and secret file, and who you are.

Only collects the answers (the window's session sharing checks and uses them); the last
answers are offered again next time, except the secret, which is only ever a file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

translate = QCoreApplication.translate
#: the roles, as the session names them (shown translated)
ROLES = (QT_TRANSLATE_NOOP("JoinDialog", "participant"), QT_TRANSLATE_NOOP("JoinDialog", "facilitator"),
         QT_TRANSLATE_NOOP("JoinDialog", "observer"))


@dataclass(frozen=True)
class JoinRequest:
    """What the person asked for: ``endpoint`` "lan" or a Zenoh endpoint (tcp/host:7447)."""

    endpoint: str
    session: str
    name: str
    secret_file: Path
    role: str


class JoinDialog(QDialog):
    """The join form; ``request()`` after it is accepted."""

    def __init__(self, settings: QSettings, default_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("JoinDialog", "Join a shared session"))
        self._settings = settings
        self.endpoint = QLineEdit(str(settings.value("session/endpoint", "lan")))
        self.endpoint.setToolTip(translate("JoinDialog", "'lan' finds the others on this network; or the router, "
                                                         "e.g. tcp/host:7447"))
        self.session = QLineEdit(str(settings.value("session/name", "")))
        self.session.setPlaceholderText(translate("JoinDialog", "e.g. review"))
        self.name = QLineEdit(str(settings.value("session/person", default_name)))
        self.role = QComboBox()
        for role in ROLES:  # shown translated, the role itself kept as the item's data
            self.role.addItem(translate("JoinDialog", role), role)
        self.role.setCurrentIndex(max(0, self.role.findData(str(settings.value("session/role", "participant")))))
        self.secret = QLineEdit(str(settings.value("session/secret_file", "")))
        self.secret.setPlaceholderText(translate("JoinDialog", "the file the facilitator gave you"))
        browse = QPushButton(translate("JoinDialog", "Browse…"))
        browse.clicked.connect(self._browse)
        secret_row = QHBoxLayout()
        secret_row.addWidget(self.secret)
        secret_row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow(translate("JoinDialog", "Where"), self.endpoint)
        form.addRow(translate("JoinDialog", "Session"), self.session)
        form.addRow(translate("JoinDialog", "Your name"), self.name)
        form.addRow(translate("JoinDialog", "Role"), self.role)
        form.addRow(translate("JoinDialog", "Secret file"), secret_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(translate("JoinDialog", "Join"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, translate("JoinDialog", "Session secret file"), self.secret.text())
        if path:
            self.secret.setText(path)

    def request(self) -> JoinRequest:
        """The answers, remembered for next time."""
        request = JoinRequest(self.endpoint.text().strip() or "lan", self.session.text().strip(),
                              self.name.text().strip(), Path(self.secret.text().strip()), str(self.role.currentData()))
        for key, value in (("endpoint", request.endpoint), ("name", request.session), ("person", request.name),
                           ("role", request.role), ("secret_file", str(request.secret_file))):
            self._settings.setValue(f"session/{key}", value)
        return request
