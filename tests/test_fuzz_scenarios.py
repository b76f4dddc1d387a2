"""The bad-input promise, fuzzed through the real ``xrjig`` command line: scenarios (YAML): data and text mutations, billion laughs, bytes.

The promise, the worker bench and the generators: tests/fuzz_bench.py.
"""

from __future__ import annotations

import copy
import os
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import strategies as st

from tests.fuzz_bench import (
    HOSTILE,
    SAMPLES,
    SEED,
    Bench,
    edit,
    examples,
    flip_bytes,
    nested_scenario,
    paths,
    short,
    swap_number,
)
from tests.fuzz_worker import Case
from tests.test_scenario_hostile import _chain

pytestmark = pytest.mark.timeout(280)


# ---------------------------------------------------------------- 2. scenarios -------

SCENARIO_SOURCES = ["nested", "nested", "as1"]


@pytest.fixture(scope="module")
def scenario_bases(bench: Bench) -> dict[str, tuple[Path, Any]]:
    """name -> (folder holding a good scenario and its model, the scenario's data): the
    NESTED one of tests/test_replay_verify (fast autopilot) and the bundled AS1 sample."""
    nested = nested_scenario(bench.root / "bases" / "nested")
    as1 = bench.root / "bases" / "as1"
    as1.mkdir(parents=True)
    shutil.copy(SAMPLES / "as1-assembly.yaml", as1 / "scenario.yaml")
    shutil.copy(SAMPLES / "bug21802_as1-oc-214.glb", as1 / "bug21802_as1-oc-214.glb")
    return {name: (path.parent, yaml.safe_load(path.read_text()))
            for name, path in (("nested", nested), ("as1", as1 / "scenario.yaml"))}


def scenario_case(bench: Bench, base: Path, text: bytes | str, note: str) -> Case:
    """A case folder with the base's model and ``text`` as scenario.yaml; runs ``check``."""
    case_id, folder = bench.folder("scenario")
    for model in base.glob("*.glb"):
        os.link(model, folder / model.name)  # hard link: the same bytes, no copy
    path = folder / "scenario.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return Case(case_id, "scenario", ["check", str(path)], [str(folder)],
                ["scenario.yaml"], note=note)


def yaml_edits(places: dict[str, list[tuple[Any, ...]]]) -> st.SearchStrategy[Any]:
    """A base scenario and 1-3 edits: a place set to a hostile value, or deleted."""
    @st.composite
    def strategy(draw: st.DrawFn) -> tuple[str, list[tuple[tuple[Any, ...], Any, bool]]]:
        name = draw(st.sampled_from(SCENARIO_SOURCES))
        edits = [(at, value, draw(st.integers(0, 5)) == 0) for at, value in
                 draw(st.lists(st.tuples(st.sampled_from(places[name]), HOSTILE), min_size=1, max_size=3))]
        return name, edits

    return strategy()


def data_mutants(bench: Bench, bases: dict[str, tuple[Path, Any]], n: int) -> list[Case]:
    places = {name: list(paths(data)) for name, (_, data) in bases.items()}
    cases = []
    for name, edits in examples(yaml_edits(places), n):
        folder, data = bases[name]
        data = copy.deepcopy(data)
        done = [f"{'del ' if delete else ''}{'/'.join(map(str, at))}"
                + ("" if delete else f"={short(value)}")
                for at, value, delete in edits if edit(data, at, value, delete)]
        text = yaml.safe_dump(data, sort_keys=False, width=1_000_000)
        cases.append(scenario_case(bench, folder, text, f"{name} scenario: {'; '.join(done)}"))
    return cases


def _laughs(levels: int) -> str:
    """The "billion laughs": each level an alias list of the previous one, nine times."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def text_mutants(base: str) -> dict[str, str | bytes]:
    """Hand-made hostile scenario texts: nesting, aliases, tags, encodings, sizes, chains,
    and model references that lead nowhere good."""
    no_model = "\n".join(line for line in base.splitlines() if not line.startswith("model:"))
    big_parts = "parts:\n" + "- block01\n" * 380_000
    texts: dict[str, str | bytes] = {
        "deep-flow-65": base + "extra: " + "[" * 65 + "]" * 65 + "\n",
        "deep-flow-100000": base + "extra: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "unclosed-100000": base + "steps: " + "[" * 100_000 + "\n",
        "deep-block": base + "extra:\n" + "".join("  " * i + "-\n" for i in range(1500)),
        "deep-mapping": base + "extra: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n",
        "billion-laughs": base + _laughs(9),
        "merge-keys": base + "x: &x {a: 1}\ny:\n  <<: *x\n",
        "python-tag": base + "extra: !!python/object/apply:os.system ['echo pwned']\n",
        "tab-indent": base.replace("\n  ", "\n\t", 3),
        "duplicate-key": base + "steps: []\nsteps: 5\n",
        "bom": "\ufeff" + base,
        "invalid-utf8": base.encode() + b"\nlabel: \xff\xfe\xc3\x28\n",
        "nul-bytes": base.encode() + b"\0" * 64,
        "empty": "", "null": "~\n", "list": "- 1\n- 2\n", "scalar": "42\n",
        "string": "'just a string'\n", "only-model": "model: nested.glb\n",
        "no-model": no_model,
        "over-4MB": base + "#" * (4 * 1024 * 1024) + "\n",
        "parts-380k": base + big_parts,
        "long-line": base + "extra: " + "x" * 3_000_000 + "\n",
        "cycle-30000": base.replace("steps:", "old_steps:") + _chain(30_000, cycle=True),
        "self-require": base + "steps:\n- {id: a, parts: [block01], requires: [a]}\n",
        "requires-unknown": base + "steps:\n- {id: a, parts: [block01], requires: [nope]}\n",
        "requires-10000": base + "steps:\n- {id: a, parts: [block01]}\n- {id: b, parts: [], requires: ["
                          + ", ".join(["a"] * 10_000) + "]}\n",
        "units-parsec": base + "units: parsec\n",
        "units-list": base + "units: [mm]\n",
        "variant-missing": base + "default_variant: nope\n",
    }
    for label, model in {"dotdot": "../../outside/secret.bin", "etc-passwd": "/etc/passwd",
                         "dev-zero": "/dev/zero", "empty": "''", "dot": ".", "fifo": "pipe.glb",
                         "number": "12", "list": "[a, b]", "mapping": "{a: 1}",
                         "folder-glb": "sub.glb", "long": "a" * 5000 + ".glb"}.items():
        texts[f"model-{label}"] = no_model + f"\nmodel: {model}\n"
    return texts


def scenario_text_cases(bench: Bench, bases: dict[str, tuple[Path, Any]]) -> list[Case]:
    folder, _ = bases["nested"]
    base = (folder / "scenario.yaml").read_text()
    cases = []
    for label, text in text_mutants(base).items():
        case = scenario_case(bench, folder, text, f"nested scenario, {label}")
        here = Path(case.allowed[0])
        os.mkfifo(here / "pipe.glb")
        (here / "sub.glb").mkdir()
        if label.startswith("model-"):  # the error may name the model rather than the scenario
            model = str(text).rsplit("model: ", 1)[1].strip().strip("'")
            case.names.append(Path(model).name[:60] or "model")
        cases.append(case)
    return cases


def scenario_byte_cases(bench: Bench, bases: dict[str, tuple[Path, Any]], n: int) -> list[Case]:
    cases = []
    for name, (folder, _) in bases.items():
        rng = random.Random(f"{SEED}scenario{name}")
        data = (folder / "scenario.yaml").read_bytes()
        for i in range(n):
            content, how = swap_number(data, rng) if i % 2 else flip_bytes(data, rng, head=len(data))
            cases.append(scenario_case(bench, folder, content, f"{name} scenario: {how}"))
    return cases


def test_scenarios_keep_the_promise(bench, scenario_bases):
    cases = (data_mutants(bench, scenario_bases, 80) + scenario_text_cases(bench, scenario_bases)
             + scenario_byte_cases(bench, scenario_bases, 8))
    for case in cases[::4]:  # a named variant takes another path through the parameters
        case.argv += ["--variant", "B"]
    bench.assert_kept(bench.run("scenarios (check)", cases))
