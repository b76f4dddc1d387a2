"""The node tree of the loaded scene, in a dock; selection is by node index.

Items show the part's display name (repeated CAD names get " #2", " #3") and the
triangle count of the node's subtree, so heavy parts stand out.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from scenes.model import Scene

_NODE_ROLE = Qt.ItemDataRole.UserRole
translate = QCoreApplication.translate


def subtree_nodes(scene: Scene, node: int) -> list[int]:
    """A node and all its descendants."""
    out, stack = [], [node]
    while stack:
        i = stack.pop()
        out.append(i)
        stack.extend(scene.nodes[i].children)
    return out


def subtree_triangles(scene: Scene, node: int) -> int:
    """Triangles of a node and everything under it."""
    meshes = (scene.nodes[i].mesh for i in subtree_nodes(scene, node))
    return sum(scene.meshes[m].triangle_count for m in meshes if m is not None)


class Outliner(QTreeWidget):
    """Tree of scene nodes. Emits nodeSelected(node index or None) on user selection."""

    nodeSelected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels([translate("Outliner", "Node"), translate("Outliner", "Triangles")])
        self.setColumnCount(2)
        self.setUniformRowHeights(True)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        header.setSectionResizeMode(1, header.ResizeMode.ResizeToContents)
        self._items: dict[int, QTreeWidgetItem] = {}
        self.itemSelectionChanged.connect(self._emit_selection)

    def set_scene(self, scene: Scene | None) -> None:
        self.blockSignals(True)
        self.clear()
        self._items = {}
        if scene is not None:
            labels = {p.node: p.display_name for p in scene.parts}

            def add(index: int, parent: QTreeWidget | QTreeWidgetItem) -> None:
                node = scene.nodes[index]
                label = labels.get(index, node.name or translate("Outliner", "node {index}").format(index=index))
                item = QTreeWidgetItem(parent, [label, f"{subtree_triangles(scene, index):,}"])
                item.setData(0, _NODE_ROLE, index)
                item.setToolTip(0, node.path)
                item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
                self._items[index] = item
                for child in node.children:
                    add(child, item)

            for root in scene.roots:
                add(root, self)
            self.expandToDepth(1)
            self.resizeColumnToContents(1)
        self.blockSignals(False)

    def select_node(self, node: int | None) -> None:
        """Select (and reveal) a node without emitting nodeSelected."""
        self.blockSignals(True)
        self.clearSelection()
        item = self._items.get(node) if node is not None else None
        if item is not None:
            item.setSelected(True)
            self.scrollToItem(item)
            self.setCurrentItem(item)
        self.blockSignals(False)

    def selected_node(self) -> int | None:
        items = self.selectedItems()
        return int(items[0].data(0, _NODE_ROLE)) if items else None

    def item_for(self, node: int) -> QTreeWidgetItem | None:
        return self._items.get(node)

    def _emit_selection(self) -> None:
        self.nodeSelected.emit(self.selected_node())
