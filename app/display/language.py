"""The interface language: which one (``choose_language``, no Qt) and its Qt translators.

The window follows, in this order: the ``XRJIG_LANGUAGE`` environment variable (the test
suite pins ``en`` with it), the choice made in View ▸ Language (QSettings ``ui/language``;
"system" or nothing means the system's), then the system locale. Languages other than
English need a compiled catalogue in ``app/i18n`` (``xrjig_<lang>.qm``, made from the
``.ts`` source beside it by ``scripts/update-translations.sh``); Qt's own strings (standard
buttons, file dialogs) come from the ``qtbase_<lang>.qm`` that PySide6 ships.

A language chosen in the menu applies at the next start: widgets take their texts when
they are built, and rebuilding every dock, menu and dialog live would touch every view.

The HTML report is not a widget: ``Catalogue`` translates its texts without a QApplication.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication, QSettings, QTranslator

#: languages the interface offers: code -> the language's own name (View ▸ Language)
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}
DEFAULT = "en"
#: overrides the setting and the system locale (tests, scripts, screenshots)
ENV = "XRJIG_LANGUAGE"
#: QSettings key of the language chosen in the window ("system": follow the system)
SETTING = "ui/language"
SYSTEM = "system"
#: compiled catalogues (package data) and their sources
I18N = Path(__file__).resolve().parents[1] / "i18n"


def normalize(name: str | None) -> str | None:
    """A locale or language name (``zh_CN.UTF-8``, ``zh-Hans-CN``, ``zh``, ``en_GB``) as one
    of LANGUAGES' codes; None for an empty, "system" or unsupported name. Chinese in
    Traditional script (zh_TW, zh_HK, zh_Hant) is not Simplified Chinese: unsupported."""
    if not name:
        return None
    text = name.split(".")[0].split("@")[0].replace("-", "_").strip()
    parts = [p.lower() for p in text.split("_") if p]
    if not parts or parts[0] == SYSTEM:
        return None
    if parts[0] == "en" or text in ("C", "POSIX"):
        return "en"
    if parts[0] == "zh":
        rest = set(parts[1:])
        if "hant" in rest or rest & {"tw", "hk", "mo"}:
            return None
        return "zh_CN"
    return None


def choose_language(env: str | None, setting: str | None, system: str | None) -> str:
    """The interface language: the environment's, else the setting's, else the system's,
    else English (see the module docstring)."""
    for candidate in (env, setting, system):
        chosen = normalize(candidate)
        if chosen is not None:
            return chosen
    return DEFAULT


def catalogue_path(language: str) -> Path:
    """The compiled translations of ``language`` (``app/i18n/xrjig_<language>.qm``)."""
    return I18N / f"xrjig_{language}.qm"


def current_language(settings: QSettings) -> str:
    """The language a window starts in: environment, ``settings`` (the app's QSettings),
    system locale."""
    import os

    from PySide6.QtCore import QLocale

    setting = settings.value(SETTING)
    return choose_language(os.environ.get(ENV), str(setting) if setting else None, QLocale.system().name())


def load_translators(language: str) -> list[QTranslator]:
    """Loaded QTranslators for ``language`` (ours and Qt's own), none for English."""
    from PySide6.QtCore import QLibraryInfo, QTranslator

    if language == DEFAULT:
        return []
    ours = QTranslator()
    if not ours.load(str(catalogue_path(language))):
        raise FileNotFoundError(f"{catalogue_path(language)}: no compiled translations for {language}")
    translators = [ours]
    qt = QTranslator()
    if qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        translators.append(qt)
    return translators


def install_language(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Install ``language``'s translators on ``app`` and, for a translated language, make it
    Qt's default locale (number formats and Qt's dialogs follow; English keeps the system's).
    Returns the translators; keep them alive, and remove them with ``app.removeTranslator``
    to go back to English."""
    from PySide6.QtCore import QLocale

    translators = load_translators(language)
    for translator in translators:
        app.installTranslator(translator)
    if language != DEFAULT:
        QLocale.setDefault(QLocale(language))
    return translators


class Catalogue:
    """Translations for text outside widgets (the HTML report, its plots): works without a
    QApplication. ``translate(context, text)`` returns ``text`` for English or a missing
    entry, like ``QCoreApplication.translate``."""

    def __init__(self, language: str = DEFAULT) -> None:
        self.language = language
        self._translators = load_translators(language)

    def translate(self, context: str, text: str) -> str:
        for translator in self._translators:
            done = translator.translate(context, text)
            if done:
                return done
        return text
