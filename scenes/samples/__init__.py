"""Bundled sample scenes, shipped inside the package so ``xrjig`` works out of the box.

See SOURCES.md here for where each file comes from and under which licence.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
#: AS1, the classic STEP AP214 test assembly (18 parts): the default scene.
SAMPLE_SCENE: Path = HERE / "bug21802_as1-oc-214.glb"
#: A scenario on it: the proposed assembly order, three inspection points and two
#: interaction variants (novice, expert). ``xrjig`` without a file opens this.
SAMPLE_SCENARIO: Path = HERE / "as1-assembly.yaml"
