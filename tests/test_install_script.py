"""scripts/install-system-packages.sh knows the package names of the systems the README
promises (Debian 12/13, Ubuntu 22.04/24.04): from Debian 13 and Ubuntu 24.04 on, GLib's
library is ``libglib2.0-0t64``. Checked with the script's dry run on each system's
os-release; on this machine also against apt's own package list."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "install-system-packages.sh"


def _packages(tmp_path: Path, os_release: str) -> list[str]:
    release = tmp_path / "os-release"
    release.write_text(os_release)
    env = {**os.environ, "XRJIG_OS_RELEASE": str(release), "XRJIG_DRY_RUN": "1"}
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60, check=True)
    return done.stdout.split()


@pytest.mark.parametrize(("system", "glib"), [
    ('ID=debian\nVERSION_ID="12"\n', "libglib2.0-0"),
    ('ID=debian\nVERSION_ID="13"\n', "libglib2.0-0t64"),
    ('ID=ubuntu\nVERSION_ID="22.04"\n', "libglib2.0-0"),
    ('ID=ubuntu\nVERSION_ID="24.04"\n', "libglib2.0-0t64"),
])
def test_each_promised_system_gets_its_names(tmp_path, system, glib):
    packages = _packages(tmp_path, system)
    assert glib in packages and {"xvfb", "libegl1", "python3-venv", "libxcb-cursor0"} <= set(packages)
    assert not ({"libglib2.0-0", "libglib2.0-0t64"} - {glib}) & set(packages)


def test_this_machines_names_exist_in_its_apt_lists(tmp_path):
    if shutil.which("apt-cache") is None:
        pytest.skip("no apt here")  # CI runs on Debian: apt is there
    packages = _packages(tmp_path, Path("/etc/os-release").read_text())
    shown = subprocess.run(["apt-cache", "show", "--no-all-versions", *packages], capture_output=True, text=True)
    missing = [p for p in packages if f"Package: {p}\n" not in shown.stdout]
    assert not missing, f"not in this system's apt lists: {missing}"


@pytest.mark.parametrize("system", ['ID=debian\nVERSION_ID="12"\n', 'ID=ubuntu\nVERSION_ID="24.04"\n'])
def test_a_cjk_font_comes_where_the_system_has_none(tmp_path, monkeypatch, system):
    """The Chinese interface needs a font with its glyphs (tests/test_translations.py draws
    them): fonts-noto-cjk is added when fontconfig lists no Chinese font, and only then."""
    monkeypatch.setenv("XRJIG_CJK_FONTS", "")
    assert "fonts-noto-cjk" in _packages(tmp_path, system)
    monkeypatch.setenv("XRJIG_CJK_FONTS", "Droid Sans Fallback")
    assert "fonts-noto-cjk" not in _packages(tmp_path, system)


def test_the_cjk_font_package_exists_in_this_machines_apt_lists():
    if shutil.which("apt-cache") is None:
        pytest.skip("no apt here")
    shown = subprocess.run(["apt-cache", "show", "--no-all-versions", "fonts-noto-cjk"], capture_output=True, text=True)
    assert "Package: fonts-noto-cjk\n" in shown.stdout
