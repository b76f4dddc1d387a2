"""The STEP product structure scan (scenes/step_names.py): Part 21 strings and references,
and matching cascadio's instance-named tree to product names."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenes.step_names import _params, decode_string, is_tag, name_nodes, read_step_tree
from tests.conftest import PM4_STEP


@pytest.mark.parametrize(("raw", "text"), [
    (b"plain", "plain"),
    (b"it's", "it's"),  # a doubled quote, already undoubled by the parser
    (b"\\X2\\00E900DF\\X0\\t", "\u00e9\u00dft"),
    (b"\\X4\\0001F600\\X0\\", "\U0001F600"),
    (b"\\X\\E9t\\X\\", "\u00e9t\\X\\"),  # a malformed escape stays as written
    (b"\\S\\i", "\u00e9"),
    (b"caf\xe9", "caf\u00e9"),  # ISO 8859-1 bytes
])
def test_part21_strings_decode(raw, text):
    assert decode_string(raw) == text


def test_part21_parameters():
    data = b"'a''b',#12,$,(1.,'x',(#3)),*,.T.,'c;)');"
    assert _params(data, 0) == ["a'b", 12, None, None, None, None, "c;)"]
    assert _params(b"'never closed", 0) is None
    assert _params(b"(((", 0) is None


def _step(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "t.stp"
    path.write_text("ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\n" + body + "ENDSEC;\nEND-ISO-10303-21;\n")
    return path


BODY = """#1 = PRODUCT('top','Top Assembly','',(#9));
#2 = PRODUCT_DEFINITION_FORMATION('','',#1);
#3 = PRODUCT_DEFINITION('design','',#2,#8);
#4 = PRODUCT('p1','','',(#9));
#5 = PRODUCT_DEFINITION_FORMATION_WITH_SPECIFIED_SOURCE('','',#4,.NOT_KNOWN.);
#6 = PRODUCT_DEFINITION('design','',#5,#8);
#10 = NEXT_ASSEMBLY_USAGE_OCCURRENCE('7','bolt A','',#3,#6,$);
#11 = NEXT_ASSEMBLY_USAGE_OCCURRENCE('8','','',#3,#6,$);
#12 = NEXT_ASSEMBLY_USAGE_OCCURRENCE('','','',#3,
  #6,$);
"""


def test_tree_and_names_match_by_name_id_product_and_order(tmp_path):
    tree = read_step_tree(_step(tmp_path, BODY))
    assert tree.products == {3: "Top Assembly", 6: "p1"}  # PRODUCT's name, else its id
    assert tree.roots() == [3]
    # cascadio: instance name, else the usage id, else the product; sub-shapes by tag
    names = ["Top Assembly", "p1", "8", "bolt A", "=>[0:1:1:9]"]
    children = [[1, 2, 3, 4], [], [], [], []]
    meshes = [None, "p1", "p1", "p1", "SOLID"]
    out = name_nodes(tree, names, children, [0], meshes)
    assert out == [("Top Assembly", ""), ("p1", ""), ("p1", ""), ("p1", "bolt A"), ("SOLID", "")]


def test_unexplained_nodes_are_never_named_by_tag(tmp_path):
    tree = read_step_tree(_step(tmp_path, ""))
    out = name_nodes(tree, ["=>[0:1:1:1]", "=>[0:1:1:2]"], [[1], []], [0], [None, None])
    assert [n for n, _ in out] == ["part", "part"]
    assert is_tag("=>[0:1:1:2]") and not is_tag("nut")


def test_the_scan_reads_a_real_file():
    tree = read_step_tree(PM4_STEP)
    assert len(tree.products) == 21  # product definitions, one per product
    assert sorted(u.name for u in tree.usages[tree.roots()[0]]) == ["-> Cover", "-> Pulley", "-> Rotor Assembly"]


def test_an_empty_file_has_no_tree(tmp_path):
    empty = tmp_path / "e.stp"
    empty.write_bytes(b"")
    assert read_step_tree(empty).products == {}
