"""Properties of the selected node: name, path, transform, triangles, bounds in mm.

Designers think in millimetres, so lengths are shown in mm; the scene stays in metres.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from scenes.model import Scene
from scenes.transforms import matrix_to_quat
from views.outliner import subtree_nodes, subtree_triangles

_FIELDS = ("Name", "Path", "Part", "Position", "Rotation", "Scale", "Triangles", "Size", "Bounds min", "Bounds max")
#: the fields' shown names (the keys of ``values()`` stay English)
_FIELD_NAMES = (
    QT_TRANSLATE_NOOP("Properties", "Name"), QT_TRANSLATE_NOOP("Properties", "Path"),
    QT_TRANSLATE_NOOP("Properties", "Part"), QT_TRANSLATE_NOOP("Properties", "Position"),
    QT_TRANSLATE_NOOP("Properties", "Rotation"), QT_TRANSLATE_NOOP("Properties", "Scale"),
    QT_TRANSLATE_NOOP("Properties", "Triangles"), QT_TRANSLATE_NOOP("Properties", "Size"),
    QT_TRANSLATE_NOOP("Properties", "Bounds min"), QT_TRANSLATE_NOOP("Properties", "Bounds max"),
)
translate = QCoreApplication.translate


def _mm(v: np.ndarray) -> str:
    return ", ".join(f"{x * 1000.0:.2f}" for x in v) + " mm"


class PropertiesPanel(QWidget):
    """A form of read-only labels; ``values()`` exposes them for tests and other docks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QFormLayout(self)
        self._labels: dict[str, QLabel] = {}
        for name in _FIELDS:
            label = QLabel("")
            label.setWordWrap(True)
            label.setTextInteractionFlags(label.textInteractionFlags() | label.textInteractionFlags().TextSelectableByMouse)
            layout.addRow(translate("Properties", name), label)
            self._labels[name] = label

    def values(self) -> dict[str, str]:
        return {k: v.text() for k, v in self._labels.items()}

    def show_node(self, scene: Scene | None, node: int | None) -> None:
        values = dict.fromkeys(_FIELDS, "")
        if scene is not None and node is not None:
            n = scene.nodes[node]
            world = scene.world_matrix(node)
            part = next((p for p in scene.parts if node in scene.part_nodes(p)), None)
            scale = np.linalg.norm(world[:3, :3], axis=0)
            q = matrix_to_quat(world)
            angle = math.degrees(2 * math.acos(min(1.0, abs(q[3]))))
            axis = q[:3] / (np.linalg.norm(q[:3]) or 1.0)
            bounds = scene.node_bounds(subtree_nodes(scene, node))
            values.update(
                {
                    "Name": n.name or translate("Properties", "node {index}").format(index=node),
                    "Path": n.path,
                    "Part": part.display_name if part is not None else translate("Properties", "(group of parts)"),
                    "Position": _mm(world[:3, 3]),
                    "Rotation": translate("Properties", "{angle}° about ({x}, {y}, {z})").format(
                        angle=f"{angle:.1f}", x=f"{axis[0]:.3f}", y=f"{axis[1]:.3f}", z=f"{axis[2]:.3f}")
                    if angle > 0.05 else translate("Properties", "none"),
                    "Scale": ", ".join(f"{s:.4g}" for s in scale),
                    "Triangles": f"{subtree_triangles(scene, node):,}",
                }
            )
            if bounds is not None:
                values.update({"Size": _mm(bounds[1] - bounds[0]), "Bounds min": _mm(bounds[0]), "Bounds max": _mm(bounds[1])})
        for name, text in values.items():
            self._labels[name].setText(text)

