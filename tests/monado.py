"""Monado, a real OpenXR runtime, for the real-runtime tests (see scripts/monado/).

``Monado`` starts and stops monado-service in the chroot that scripts/monado/setup.sh
built, and runs project code inside it as subprocesses (the checkout and this Python are
bind-mounted at their own paths). ``skip_or_fail`` is the policy when it cannot run: the
tests skip with the reason on a developer's machine, and fail when
``XRJIG_REQUIRE_MONADO=1`` (CI, which sets Monado up first). A test module gets a
``monado`` fixture with ``monado_fixture = pytest.fixture(scope="module", name="monado")(running_monado)``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts" / "monado"
DEFAULT_ROOT = Path("/var/tmp/xrjig-monado")
PID_FILE = "tmp/xrjig-monado-service.pid"


def monado_root() -> Path:
    return Path(os.environ.get("XRJIG_MONADO_ROOT") or DEFAULT_ROOT)


def why_not(root: Path) -> str:
    """Why the Monado tests cannot run here ("" when they can)."""
    if not sys.platform.startswith("linux"):
        return "Monado tests need Linux"
    if os.geteuid() != 0:
        return "Monado tests need root (chroot and mounts)"
    if not (root / "usr/bin/monado-service").exists():
        return f"no Monado rootfs at {root}: run scripts/monado/setup.sh {root}"
    if not Path(sys.prefix, "bin").exists():
        return "no Python prefix to bind into the chroot"
    return ""


def skip_or_fail(reason: str) -> None:
    if os.environ.get("XRJIG_REQUIRE_MONADO") == "1":
        pytest.fail(f"XRJIG_REQUIRE_MONADO=1 but {reason}")
    pytest.skip(reason)


class Monado:
    """monado-service in ``root`` (remote devices: HMD, Index controllers, hand tracking)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {**os.environ, "XRJIG_PYTHON": sys.executable, "MONADO_DEVICES": "remote"}

    def _script(self, name: str, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(SCRIPTS / name), str(self.root), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> None:
        done = self._script("start.sh")
        if done.returncode:
            raise RuntimeError(f"monado-service did not start: {done.stderr.strip()}")

    def stop(self) -> None:
        self._script("stop.sh", timeout=60.0)

    def restart(self) -> None:
        self.stop()
        self.start()

    def service_pid(self) -> int:
        return int((self.root / PID_FILE).read_text())

    def kill_service(self) -> None:
        os.kill(self.service_pid(), signal.SIGKILL)

    def command(self, *args: str) -> list[str]:
        """A command line that runs ``args`` inside the chroot."""
        return [str(SCRIPTS / "exec.sh"), str(self.root), *args]

    def run(self, *args: str, timeout: float = 90.0) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(*args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=REPO,
        )

    def python(self, *args: str, timeout: float = 90.0) -> subprocess.CompletedProcess:
        return self.run(sys.executable, *args, timeout=timeout)

    def driver(self, mode: str, timeout: float = 90.0) -> dict[str, Any]:
        """Run tests/monado_driver.py ``mode`` in the chroot; its JSON result."""
        done = self.python("-m", "tests.monado_driver", mode, timeout=timeout)
        if done.returncode:
            raise AssertionError(
                f"driver {mode} failed ({done.returncode}):\n{done.stderr[-3000:]}"
            )
        return json.loads(done.stdout.strip().splitlines()[-1])

    def kill_service_under(self, module: str, mode: str, timeout: float = 60.0) -> dict[str, Any]:
        """Run ``python -m module mode`` in the chroot, kill monado-service once it prints
        RUNNING, and return its JSON result (the last stdout line; it must exit 0)."""
        proc = subprocess.Popen(
            self.command(sys.executable, "-m", module, mode),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "RUNNING", proc.stderr.read()[-3000:]
            self.kill_service()
            out, err = proc.communicate(timeout=timeout)
        except (subprocess.TimeoutExpired, AssertionError):
            proc.kill()
            raise
        assert proc.returncode == 0, err[-3000:]
        return json.loads(out.strip().splitlines()[-1])


def running_monado() -> Iterator[Monado]:
    """A running monado-service (remote devices), stopped afterwards; skips or fails (see
    ``skip_or_fail``) where Monado cannot run."""
    root = monado_root()
    reason = why_not(root)
    if reason:
        skip_or_fail(reason)
    service = Monado(root)
    service.start()
    yield service
    service.stop()
