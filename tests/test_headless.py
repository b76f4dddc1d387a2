"""The analyst's commands run where there is no GUI stack (a server): ``check --record``,
``replay --verify``, ``resim``, ``report --no-heatmap`` and ``convert`` (STEP) with PySide6,
PyOpenGL, pyopenxr, MediaPipe and OpenCV unimportable.

One fresh interpreter blocks those imports (a meta-path finder that refuses them, as if
they were not installed), then runs the four commands through the CLI's ``main`` in the
order an analyst would: record a trial, verify it, re-simulate it, report it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scenes.samples import SAMPLE_SCENARIO
from tests.conftest import AS1_STEP

REPO = Path(__file__).resolve().parents[1]
BLOCKED = ("PySide6", "OpenGL", "xr", "mediapipe", "cv2")

_DRIVER = """
import importlib.abc, json, sys
BLOCKED = set({blocked!r})
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked: a server without it)")
        return None
sys.meta_path.insert(0, Refuse())
from app.cli import main
codes = {{}}
for name, argv in {commands!r}:
    try:
        codes[name] = main(argv)
    except SystemExit as exit:
        codes[name] = exit.code
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & BLOCKED)
print("RESULT " + json.dumps({{"codes": codes, "loaded": loaded}}))
"""


def test_analyst_commands_run_without_the_gui_stack(tmp_path):
    rec, out = tmp_path / "trial.mcap", tmp_path / "report"
    commands = [
        ("check", ["check", str(SAMPLE_SCENARIO), "--record", str(rec)]),
        ("verify", ["replay", str(rec), "--verify"]),
        ("resim", ["resim", str(rec), "--set", "snap_position_mm=2", "--json"]),
        ("report", ["report", str(rec), "--out", str(out), "--no-heatmap"]),
        ("convert", ["convert", str(AS1_STEP), str(tmp_path / "as1.glb")]),
    ]
    code = _DRIVER.format(blocked=BLOCKED, commands=commands)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=240)
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line is not None, result.stdout[-2000:] + result.stderr[-2000:]
    outcome = json.loads(line[len("RESULT "):])
    assert outcome["codes"] == {"check": 0, "verify": 0, "resim": 0, "report": 0, "convert": 0}, \
        result.stderr[-2000:]
    assert outcome["loaded"] == []
    assert f"{rec}: identical" in result.stdout
    assert (out / "report.html").is_file() and (out / "trials.csv").read_text().count("\n") == 2
