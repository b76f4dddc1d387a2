"""Embree BVHs built in slices (scenes/embree_groups.py) answer as one Embree scene would.

The reference is one plain embreex scene over the same meshes; the slices are made small
(a few hundred triangles) so that AS1's parts are split across pieces and groups.
"""

from __future__ import annotations

import numpy as np
import pytest
from embreex import rtcore_scene
from embreex.mesh_construction import TriangleMesh

import scenes.embree_groups as groups
from scenes.embree_groups import GroupedBVH
from scenes.index import SceneIndex
from scenes.part_triangles import authored_world_triangles, part_triangles


@pytest.fixture
def as1_meshes(as1):
    parts, authored = [], []
    for part in as1.parts:
        geom = part_triangles(as1, part.node, as1.part_nodes(part))
        if geom is not None:
            parts.append(geom)
            authored.append(as1.world_matrix(part.node))
    world, _ = authored_world_triangles(parts, authored)
    starts = np.cumsum([0] + [len(g.triangles) for g in parts])
    return [world[a:b] for a, b in zip(starts[:-1], starts[1:], strict=True)]


@pytest.fixture
def small_slices(monkeypatch):
    monkeypatch.setattr(groups, "PIECE_TRIANGLES", 150)
    monkeypatch.setattr(groups, "GROUP_TRIANGLES", 700)


def _rays(meshes, n, seed):
    """Rays from a box around the model towards random points on its triangles: most hit."""
    rng = np.random.default_rng(seed)
    everything = np.concatenate(meshes)
    lo, hi = everything.reshape(-1, 3).min(0), everything.reshape(-1, 3).max(0)
    size = float(np.max(hi - lo))
    origins = rng.uniform(lo - size, hi + size, (n, 3))
    targets = everything[rng.integers(0, len(everything), n)].mean(axis=1)
    directions = targets - origins
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return origins.astype(np.float32), directions.astype(np.float32)


def test_sliced_queries_agree_with_one_embree_scene(as1_meshes, small_slices):
    reference = rtcore_scene.EmbreeScene()
    for mesh in as1_meshes:
        TriangleMesh(reference, mesh)
    sliced = GroupedBVH(as1_meshes)
    assert len(sliced.groups) >= 8 and any(len(set(g.mesh)) < len(g.mesh) or len(g.mesh) > 1 for g in sliced.groups)
    o, d = _rays(as1_meshes, 3000, seed=1)
    want, got = reference.run(o, d, output=1), sliced.run(o, d, output=1)
    hit = want["geomID"] >= 0
    assert 0.5 < hit.mean() and np.array_equal(got["geomID"] >= 0, hit)
    np.testing.assert_allclose(got["tfar"][hit], want["tfar"][hit], rtol=1e-6)
    same = (got["geomID"] == want["geomID"]) & (got["primID"] == want["primID"])
    # where the triangle differs, it is a tie at an edge: the same distance, the named
    # triangle really lies on the ray there
    for i in np.flatnonzero(hit & ~same):
        tri = as1_meshes[got["geomID"][i]][got["primID"][i]].astype(np.float64)
        p = o[i] + got["tfar"][i] * d[i]
        normal = np.cross(tri[1] - tri[0], tri[2] - tri[0])
        assert abs(normal @ (p - tri[0])) <= 1e-4 * np.linalg.norm(normal)
    assert same[hit].mean() > 0.99


def test_a_search_distance_limits_every_slice(as1_meshes, small_slices):
    sliced = GroupedBVH(as1_meshes)
    o, d = _rays(as1_meshes, 500, seed=2)
    full = sliced.run(o, d, output=1)
    hit = full["geomID"] >= 0
    limit = np.where(hit, full["tfar"] * 0.999, 1e9).astype(np.float32)
    short = sliced.run(o, d, dists=limit, output=1)
    assert not (short["geomID"][hit] >= 0).any()  # nothing nearer than the first hit


def test_small_inputs_are_one_plain_embree_scene(as1_meshes):
    bvh = GroupedBVH(as1_meshes)
    assert bvh.groups == [] and isinstance(bvh.run.__self__, rtcore_scene.EmbreeScene)


def test_picking_is_unchanged_when_the_index_is_sliced(as1, as1_meshes, monkeypatch):
    o, d = _rays(as1_meshes, 400, seed=3)
    whole = SceneIndex(as1)
    monkeypatch.setattr(groups, "PIECE_TRIANGLES", 150)
    monkeypatch.setattr(groups, "GROUP_TRIANGLES", 700)
    sliced = SceneIndex(as1)
    part = as1.parts[3].id
    moved = whole.part_pose(part)
    moved[:3, 3] += 0.02
    for index in (whole, sliced):
        index.set_part_pose(part, moved)
    a, b = whole.rays(o, d), sliced.rays(o, d)
    assert sum(h is not None for h in a) > 100
    for x, y in zip(a, b, strict=True):
        assert (x is None) == (y is None)
        if x is not None:
            assert x.part == y.part and abs(x.distance - y.distance) < 1e-6
    for i in range(0, 400, 7):
        x, y = whole.ray(o[i], d[i], exclude=[part]), sliced.ray(o[i], d[i], exclude=[part])
        assert (x is None) == (y is None) and (x is None or x.part == y.part)


def _indexed(meshes):
    """The same meshes as shared vertices and faces (corners merged exactly)."""
    out = []
    for tris in meshes:
        vertices, inverse = np.unique(tris.reshape(-1, 3), axis=0, return_inverse=True)
        out.append((vertices.astype(np.float32), inverse.reshape(-1, 3).astype(np.int32)))
    return out


def test_indexed_meshes_answer_as_triangle_soup(as1_meshes, small_slices):
    """Shared vertices and faces (what the index builds from: half the copying) give the
    answers of the same triangles as soup, sliced and whole; a slice whose faces use
    corners spread over its mesh copies only those."""
    reference = rtcore_scene.EmbreeScene()
    for mesh in as1_meshes:
        TriangleMesh(reference, mesh)
    indexed = _indexed(as1_meshes)
    rng = np.random.default_rng(7)
    scattered = [(v, f[rng.permutation(len(f))]) for v, f in indexed]  # corners all over
    o, d = _rays(as1_meshes, 2000, seed=4)
    want = reference.run(o, d, output=1)
    hit = want["geomID"] >= 0
    for meshes in (indexed, scattered):
        sliced = GroupedBVH(meshes)
        assert len(sliced.groups) >= 8
        got = sliced.run(o, d, output=1)
        assert np.array_equal(got["geomID"] >= 0, hit)
        np.testing.assert_allclose(got["tfar"][hit], want["tfar"][hit], rtol=1e-6)
        assert (got["geomID"][hit] == want["geomID"][hit]).mean() > 0.99
        if meshes is indexed:  # triangle numbers are the input's
            same = got["geomID"] == want["geomID"]
            assert (got["primID"][hit & same] == want["primID"][hit & same]).mean() > 0.99
    whole = GroupedBVH(indexed[:3])
    assert whole.groups == []


def test_one_ray_and_a_batch_agree_on_a_sliced_bvh(as1_meshes, small_slices):
    """One ray takes its own path (box tests on Python floats) and must say what the batch
    says, with and without a search distance."""
    sliced = GroupedBVH(as1_meshes)
    o, d = _rays(as1_meshes, 300, seed=5)
    batch = sliced.run(o, d, output=1)
    limit = np.where(batch["geomID"] >= 0, batch["tfar"] * 1.5, 0.05).astype(np.float32)
    limited = sliced.run(o, d, dists=limit, output=1)
    for i in range(len(o)):
        for want, dists in ((batch, None), (limited, limit[i : i + 1])):
            one = sliced.run(o[i : i + 1], d[i : i + 1], dists=dists, output=1)
            assert int(one["geomID"][0]) == int(want["geomID"][i])
            assert int(one["primID"][0]) == int(want["primID"][i])
            if want["geomID"][i] >= 0:
                assert float(one["tfar"][0]) == float(want["tfar"][i])


def test_a_large_batch_goes_through_one_whole_model_bvh_and_answers_alike(as1_meshes, small_slices):
    """A batch of WHOLE_AFTER_RAYS rays or more builds one whole-model BVH once and uses it:
    the same meshes, triangles and distances as the slices give (ties at an edge aside),
    also with search distances."""
    sliced = GroupedBVH(as1_meshes)
    o, d = _rays(as1_meshes, groups.WHOLE_AFTER_RAYS + 500, seed=3)
    small = [sliced.run(o[k:k + 1000], d[k:k + 1000], output=1) for k in range(0, len(o), 1000)]
    want = {key: np.concatenate([s[key] for s in small]) for key in ("geomID", "primID", "tfar")}
    assert sliced._whole is None  # batches below the threshold use the slices
    got = sliced.run(o, d, output=1)
    assert sliced._whole is not None
    hit = want["geomID"] >= 0
    assert 0.5 < hit.mean() and np.array_equal(got["geomID"] >= 0, hit)
    np.testing.assert_allclose(got["tfar"][hit], want["tfar"][hit], rtol=1e-6)
    assert ((got["geomID"] == want["geomID"]) & (got["primID"] == want["primID"]))[hit].mean() > 0.99
    limit = np.full(len(o), float(np.median(want["tfar"][hit])), np.float32)
    near = sliced.run(o, d, dists=limit, output=1)
    assert np.all(near["tfar"][near["geomID"] >= 0] <= limit[0] * (1 + 1e-6))
    assert np.array_equal(near["geomID"] >= 0, hit & (want["tfar"] <= limit[0]))
