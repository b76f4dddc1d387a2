"""Readable names for a STEP assembly's nodes: product names, with instance names beside
(and the length unit the file declares, at the end).

A CAD outliner shows each node by its *product* ("nut", "Rotor_Assembly") and knows the
*instance* ("nut_1", "-> Sphere 3") it is placed as. cascadio (Open CASCADE's glTF writer)
names nodes by instance only, falls back to the instance's id ("4") when the file leaves
the name empty, and names sub-shapes of a part by their label tag ("=>[0:1:1:2]"); the
product names of assemblies are not in its output at all. So the STEP file itself is
scanned for the four entities that carry the tree --

    PRODUCT(id, name, ...)                         the product and its name
    PRODUCT_DEFINITION_FORMATION(id, _, product)   a version of it
    PRODUCT_DEFINITION(id, _, formation, _)        its definition, the tree's vertex
    NEXT_ASSEMBLY_USAGE_OCCURRENCE(id, name, _, parent definition, child definition, _)

-- and cascadio's tree is walked from the root product down, each child matched to one of
its parent's usages by name (else by id, else by product, else by order among unnamed
ones). A node then gets its product's name; a node no usage explains (a sub-shape) gets
the name of its mesh (the shape's own label, "SOLID"), so no node is named by a tag.

Only those four entity types are parsed (a small Part 21 reader: strings with their
escapes, references, ``$``), over a memory map of the file: a 100 MB file costs one
regular-expression pass. Runs in the converter's worker process (scenes/step_worker.py).
"""

from __future__ import annotations

import mmap
import re
from dataclasses import dataclass, field
from pathlib import Path

#: the entities read, each found by its keyword (a literal prefix: the regular expression
#: engine skips to it, ~10x faster than trying every "#"), then its "#123 =" looked up
_KEYWORDS = (
    re.compile(rb"PRODUCT(_DEFINITION(?:_FORMATION(?:_WITH_SPECIFIED_SOURCE)?"
               rb"|_WITH_ASSOCIATED_DOCUMENTS)?)?\s*\("),
    re.compile(rb"NEXT_ASSEMBLY_USAGE_OCCURRENCE\s*\("),
)
_NUMBER = re.compile(rb"#(\d+)\s*=\s*$")
#: an entity's parameters longer than this are not read (a hostile file's endless string)
MAX_ENTITY_CHARS = 64 * 1024
#: Open CASCADE's name for a label without one: "=>[0:1:1:2]"
_TAG = re.compile(r"^=>\[[\d:]*\]$")


@dataclass
class Usage:
    """One NEXT_ASSEMBLY_USAGE_OCCURRENCE: a child definition placed in a parent."""

    id: str
    name: str
    child: int  # the child's PRODUCT_DEFINITION entity number


@dataclass
class StepTree:
    """The product structure of a STEP file: definition -> product name, and usages."""

    #: PRODUCT_DEFINITION entity number -> its product's name ("" when unknown)
    products: dict[int, str] = field(default_factory=dict)
    #: parent definition -> its usages, in file order
    usages: dict[int, list[Usage]] = field(default_factory=dict)

    def roots(self) -> list[int]:
        """Definitions no usage places: the top-level products, in entity order."""
        placed = {u.child for us in self.usages.values() for u in us}
        return [d for d in sorted(self.products) if d not in placed]


def read_step_tree(path: Path) -> StepTree:
    """Scan a STEP file for its product structure (see the module doc); never raises on
    content, only OSError on reading. An empty file has no tree."""
    with open(path, "rb") as f:
        if f.seek(0, 2) == 0:
            return StepTree()
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _scan(data)


def _scan(data: bytes | mmap.mmap) -> StepTree:
    products: dict[int, str] = {}
    formations: dict[int, int] = {}
    definitions: dict[int, int] = {}
    raw_usages: list[tuple[int, Usage, int]] = []
    found = [(m, m[0].split(b"(")[0].rstrip()) for pattern in _KEYWORDS for m in pattern.finditer(data)]
    for match, kind in found:
        head = _NUMBER.search(bytes(data[max(0, match.start() - 40) : match.start()]))
        if head is None:
            continue  # a keyword inside another entity, or a complex entity's part
        number = int(head[1])
        params = _params(data, match.end())
        if params is None:
            continue
        if kind == b"PRODUCT":
            products[number] = _text(params, 1) or _text(params, 0)
        elif kind.startswith(b"PRODUCT_DEFINITION_FORMATION"):
            ref = _ref(params, 2)
            if ref is not None:
                formations[number] = ref
        elif kind.startswith(b"PRODUCT_DEFINITION"):
            ref = _ref(params, 2)
            if ref is not None:
                definitions[number] = ref
        else:  # NEXT_ASSEMBLY_USAGE_OCCURRENCE
            parent, child = _ref(params, 3), _ref(params, 4)
            if parent is not None and child is not None:
                raw_usages.append((parent, Usage(_text(params, 0), _text(params, 1), child), number))
    tree = StepTree()
    for d, f in definitions.items():
        tree.products[d] = products.get(formations.get(f, -1), "")
    for parent, usage, _ in sorted(raw_usages, key=lambda u: u[2]):
        tree.usages.setdefault(parent, []).append(usage)
    return tree


def _params(data: bytes | mmap.mmap, start: int) -> list[object] | None:
    """The top-level parameters of an entity whose '(' ends at ``start``: str for a
    string, int for a reference, None for anything else (``$``, numbers, lists, typed
    values). None when the parameters do not close within MAX_ENTITY_CHARS."""
    chunk = bytes(data[start : start + MAX_ENTITY_CHARS])
    out: list[object] = []
    depth, i, n = 0, 0, len(chunk)
    current: object = None
    while i < n:
        c = chunk[i]
        if c == 0x27:  # ' string; '' is a quote inside it
            j, parts = i + 1, []
            while j < n:
                k = chunk.find(b"'", j)
                if k < 0:
                    return None
                parts.append(chunk[j:k])
                if k + 1 < n and chunk[k + 1] == 0x27:
                    parts.append(b"'")
                    j = k + 2
                    continue
                j = k + 1
                break
            else:
                return None
            if depth == 0:
                current = decode_string(b"".join(parts))
            i = j
            continue
        if c == 0x23 and depth == 0:  # #123
            m = re.match(rb"#(\d+)", chunk[i:i + 24])
            if m:
                current = int(m[1])
                i += len(m[0])
                continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            if depth == 0:
                out.append(current)
                return out
            depth -= 1
        elif c == 0x2C and depth == 0:
            out.append(current)
            current = None
        i += 1
    return None


def _text(params: list[object], k: int) -> str:
    value = params[k] if k < len(params) else None
    return value.strip() if isinstance(value, str) else ""


def _ref(params: list[object], k: int) -> int | None:
    value = params[k] if k < len(params) else None
    return value if isinstance(value, int) else None


_ESCAPE = re.compile(rb"\\X2\\((?:[0-9A-Fa-f]{4})*)\\X0\\|\\X4\\((?:[0-9A-Fa-f]{8})*)\\X0\\"
                     rb"|\\X\\([0-9A-Fa-f]{2})|\\S\\(.)|\\\\", re.DOTALL)


def decode_string(raw: bytes) -> str:
    """A Part 21 string's bytes (quotes already undoubled) as text: ``\\X2\\...\\X0\\``
    (UTF-16), ``\\X4\\...\\X0\\`` (UCS-4), ``\\X\\hh`` (ISO 8859-1), ``\\S\\c`` (the upper
    half) and ``\\\\``; other bytes as ISO 8859-1. Malformed escapes stay as written."""

    def one(m: re.Match[bytes]) -> bytes:
        if m[1] is not None:
            return bytes.fromhex(m[1].decode()).decode("utf-16-be", "replace").encode("utf-8")
        if m[2] is not None:
            return bytes.fromhex(m[2].decode()).decode("utf-32-be", "replace").encode("utf-8")
        if m[3] is not None:
            return chr(int(m[3], 16)).encode("utf-8")
        if m[4] is not None:
            return chr(m[4][0] + 128).encode("utf-8") if m[4][0] < 128 else m[4]
        return b"\\"

    # plain bytes are ISO 8859-1: carry them through UTF-8 so escapes can be spliced in
    text = raw.decode("latin-1").encode("utf-8")
    return _ESCAPE.sub(one, text).decode("utf-8", "replace")


def is_tag(name: str) -> bool:
    """True for Open CASCADE's stand-in for a missing name ("=>[0:1:1:2]")."""
    return bool(_TAG.match(name))


def name_nodes(tree: StepTree, names: list[str], children: list[list[int]], roots: list[int],
               mesh_names: list[str | None]) -> list[tuple[str, str]]:
    """(name, instance) for each node of cascadio's tree.

    ``names``: cascadio's node names; ``children`` / ``roots``: its tree (node indices);
    ``mesh_names``: the name of each node's mesh, None for a node without one. The name is
    the node's product name where the STEP structure explains the node, else its mesh's
    name, else cascadio's name (never a tag: then "part"); the instance is the usage's
    name as the file spells it ("" when the file gives none, or for a root)."""
    out: list[tuple[str, str]] = [("", "")] * len(names)
    free_roots = tree.roots()
    stack: list[tuple[int, int | None]] = []
    for r in roots:
        definition = next((d for d in free_roots if tree.products[d] == names[r].strip()), None)
        if definition is not None:
            free_roots.remove(definition)
        stack.append((r, definition))
    instance_of: dict[int, str] = {}
    while stack:
        node, definition = stack.pop()
        own = names[node].strip()
        product = tree.products.get(definition, "") if definition is not None else ""
        fallback = mesh_names[node] or ("" if is_tag(own) else own) or "part"
        out[node] = (product or fallback, instance_of.get(node, ""))
        kids = children[node]
        matched = _match(tree.usages.get(definition, []) if definition is not None else [],
                         [names[c].strip() for c in kids], tree)
        for c, usage in zip(kids, matched, strict=True):
            if usage is not None:
                instance_of[c] = usage.name
            stack.append((c, usage.child if usage is not None else None))
    return out


def _match(usages: list[Usage], names: list[str], tree: StepTree) -> list[Usage | None]:
    """Which usage each child name stands for: the same name, else the same id (cascadio
    names an instance by its id when the name is empty), else the same product (when
    both are empty), else the first unclaimed usage without a name, in order."""
    taken = [False] * len(usages)
    out: list[Usage | None] = []
    for name in names:
        k = _first(usages, taken, lambda u, name=name: bool(u.name) and u.name == name)
        if k is None:
            k = _first(usages, taken, lambda u, name=name: not u.name and bool(u.id) and u.id == name)
        if k is None:
            k = _first(usages, taken, lambda u, name=name: not u.name and not u.id
                       and tree.products.get(u.child, "") == name)
        if k is None and (not name or is_tag(name)):
            k = _first(usages, taken, lambda u: not u.name)
        if k is not None:
            taken[k] = True
        out.append(usages[k] if k is not None else None)
    return out


def _first(usages: list[Usage], taken: list[bool], test) -> int | None:  # type: ignore[no-untyped-def]
    return next((k for k, u in enumerate(usages) if not taken[k] and test(u)), None)


# -- the declared length unit ------------------------------------------------------------
_LENGTH_UNIT = re.compile(rb"LENGTH_UNIT\s*\(\s*\)")
_CONTEXT_UNITS = re.compile(rb"GLOBAL_UNIT_ASSIGNED_CONTEXT\s*\(\s*\(([^)]*)\)")
_SI = re.compile(rb"SI_UNIT\s*\(\s*(?:\$|\.(\w+)\.)\s*,\s*\.METRE\.\s*\)")
_NAMED = re.compile(rb"CONVERSION_BASED_UNIT\s*\(\s*'([^']*)'")
_PREFIXES = {None: 1.0, b"MILLI": 1e-3, b"CENTI": 1e-2, b"DECI": 0.1, b"KILO": 1e3, b"MICRO": 1e-6}
_NAMES = {b"INCH": 0.0254, b"INCHES": 0.0254, b"FOOT": 0.3048, b"FEET": 0.3048, b"YARD": 0.9144,
          b"MIL": 2.54e-5, b"MILLIMETRE": 1e-3, b"MILLIMETER": 1e-3, b"CENTIMETRE": 1e-2,
          b"CENTIMETER": 1e-2, b"METRE": 1.0, b"METER": 1.0}


def declared_unit_m(path: Path) -> float | None:
    """Metres per length unit as the file's geometry contexts declare it (``SI_UNIT``
    with its prefix, or a named ``CONVERSION_BASED_UNIT`` such as INCH); the most used
    where contexts differ; None when the file names none xrjig knows. Open CASCADE has
    already applied it (a converted model is in metres): this is what ``Scene.unit_scale``
    reports, so a person can say the file's numbers mean something else (a STEP file
    that says inches but holds millimetres)."""
    with open(path, "rb") as f:
        if f.seek(0, 2) == 0:
            return None
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            units: dict[int, float] = {}
            for m in _LENGTH_UNIT.finditer(data):
                start = data.rfind(b";", max(0, m.start() - 2000), m.start()) + 1
                end = data.find(b";", m.end(), m.end() + 2000)
                statement = bytes(data[start:end]).strip()
                head = re.match(rb"#(\d+)\s*=", statement)
                scale = _unit_scale(statement)
                if head is not None and scale is not None:
                    units[int(head[1])] = scale
            used = [units[int(r)] for m in _CONTEXT_UNITS.finditer(data)
                    for r in re.findall(rb"#(\d+)", m[1]) if int(r) in units]
    if not used:
        return None
    return max(used, key=used.count)  # the first of the most used: deterministic


def _unit_scale(statement: bytes) -> float | None:
    named = _NAMED.search(statement)
    if named is not None:
        return _NAMES.get(named[1].strip().upper())
    si = _SI.search(statement)
    return _PREFIXES.get(si[1]) if si is not None else None
