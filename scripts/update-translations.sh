#!/usr/bin/env bash
# Refresh the translation sources from the code and compile them (Qt Linguist's way):
#   1. pyside6-lupdate collects every tr() / QCoreApplication.translate / QT_TRANSLATE_NOOP
#      text of app/, views/ and devices/ into app/i18n/xrjig_<lang>.ts (new texts arrive
#      "unfinished", texts gone from the code are dropped, translations made so far stay);
#   2. translate the unfinished ones (pyside6-linguist app/i18n/xrjig_zh_CN.ts, or an editor);
#   3. run this again: pyside6-lrelease compiles each .ts into the .qm the app loads.
# Commit the .ts and the .qm: a fresh install uses the .qm without running this script.
# tests/test_translations.py fails while a text is unfinished or a .qm is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PYSIDE6_BIN:-.venv/bin}
mapfile -t sources < <(find app views devices -name '*.py' -not -path '*/__pycache__/*' | LC_ALL=C sort)
for ts in app/i18n/xrjig_*.ts; do
  # no source locations: the .ts changes only when a text does, not when code moves
  "$BIN/pyside6-lupdate" -no-obsolete -locations none "${sources[@]}" -ts "$ts"
  # lupdate reads our "#:" attribute docs as notes for the next text: not meant for translators
  sed -i '/^ *<extracomment>.*<\/extracomment>$/d' "$ts"
  "$BIN/pyside6-lrelease" -removeidentical "$ts" -qm "${ts%.ts}.qm"
done
