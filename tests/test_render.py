"""The renderer's real pixels (Mesa llvmpipe under Xvfb), checked against independent
geometry: trimesh's reading of the same files, projected with the same camera."""

from __future__ import annotations

import colorsys
import dataclasses

import numpy as np
import pytest
import trimesh

from app.display.application import DisplayUnavailable, prepare_qt
from scenes.loader import load_scene
from scenes.model import Scene
from tests.conftest import AS1, BOX_GLB, PM4, no_display
from views.camera import Camera, project_points
from views.render_state import Highlight, RenderState
from views.renderer import Renderer
from views.scene_batches import build_batches

try:
    prepare_qt()  # 3.3 core default format before pytest-qt creates the QApplication
except DisplayUnavailable as err:
    no_display(str(err))

pytestmark = pytest.mark.gl

W, H = 320, 240
BG = (0.2, 0.3, 0.4, 1.0)
BG8 = np.round(np.array(BG) * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def target(qapp):
    from app.display.offscreen import OffscreenTarget

    with OffscreenTarget(W, H, samples=0) as t:
        yield t


def render(target, scene, state=None, view="iso", camera=None, renderer=None):
    """(pixels, camera) of `scene` framed from `view` on a plain background, no grid."""
    if camera is None:
        camera = Camera()
        camera.frame(scene.bounds, W / H, view)
    state = state or RenderState()
    state = dataclasses.replace(state, show_grid=False, background_gradient=False, background=state.background and BG)
    r = renderer or Renderer()
    if renderer is None:
        target.make_current()
        r.set_scene(scene)
    img = target.render(lambda fb: r.draw(camera.view_matrix(), camera.projection_matrix(W / H), (0, 0, W, H), fb, state))
    return img, camera


def covered(img: np.ndarray) -> np.ndarray:
    return np.any(img[:, :, :3] != BG8[:3], axis=2)


def box_of(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return xs.min(), ys.min(), xs.max(), ys.max()


@pytest.mark.parametrize(("path", "view"), [(AS1, "iso"), (PM4, "front"), (BOX_GLB, "top")])
def test_silhouette_matches_trimesh_geometry_projected(target, path, view):
    img, cam = render(target, load_scene(path), view=view)
    mask = covered(img)
    # independent reference: trimesh's own glTF reader, all meshes in world space
    verts = trimesh.load(path, force="scene").to_geometry().vertices
    px = project_points(verts, cam.view_matrix(), cam.projection_matrix(W / H), W, H)
    x0, y0, x1, y1 = box_of(mask)
    np.testing.assert_allclose([x0, y0, x1, y1], [px[:, 0].min(), px[:, 1].min(), px[:, 0].max(), px[:, 1].max()], atol=2.5)
    assert mask.mean() > 0.1, "the framed model fills a good part of the picture"
    # nothing is drawn outside the projected geometry, the corners are background
    assert not mask[: int(px[:, 1].min()) - 2].any()
    for corner in (img[0, 0], img[0, -1], img[-1, 0], img[-1, -1]):
        np.testing.assert_array_equal(corner, BG8)


def _hue(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(np.float64) / 255.0
    return np.array([colorsys.rgb_to_hsv(*c)[0] for c in rgb])


def test_base_colour_factors_show_with_their_hue(target, as1):
    img, _ = render(target, as1, view="iso")
    pixels = img[covered(img)][:, :3]
    sat = pixels.max(axis=1) - pixels.min(axis=1) > 40
    hues = _hue(pixels[sat][::7])
    for material in as1.materials:
        h = colorsys.rgb_to_hsv(*material.base_color[:3])[0]
        near = np.minimum(np.abs(hues - h), 1 - np.abs(hues - h)) < 0.03
        assert near.mean() > 0.003, f"{material.name} {material.base_color} not visible"
    # the base plate (lime, the largest part) dominates a top view
    img, _ = render(target, as1, view="top")
    hues = _hue(img[covered(img)][::5, :3])
    plate = colorsys.rgb_to_hsv(0.6038273572921753, 1.0, 0.0)[0]
    assert (np.abs(hues - plate) < 0.03).mean() > 0.3


def test_base_colour_texture_shows(target):
    scene = load_scene(BOX_GLB)
    textured, _ = render(target, scene)
    plain_materials = [dataclasses.replace(m, texture=None) for m in scene.materials]
    plain = Scene(scene.source, scene.nodes, scene.meshes, plain_materials, scene.roots)
    untextured, _ = render(target, plain)
    mask = covered(textured)
    assert np.array_equal(mask, covered(untextured))

    def colours(img):
        return len(np.unique(img[mask][:, :3] // 16, axis=0))

    assert colours(textured) > 4 * colours(untextured)
    # the Cesium logo's blue and green are there, the untextured box is grey
    px = textured[mask][:, :3].astype(int)
    assert (px[:, 2] > px[:, 0] + 40).mean() > 0.1
    assert ((px[:, 1] > px[:, 0] + 30) & (px[:, 1] > px[:, 2])).mean() > 0.05


def _part_pixels(target, scene, part_id, **state):
    """Pixels of one part: where a strong ERROR tint changes the picture."""
    base, cam = render(target, scene, RenderState(**state))
    tinted, _ = render(target, scene, RenderState(highlights={part_id: Highlight.ERROR}, **state), camera=cam)
    return np.any(base != tinted, axis=2), base, cam


def _largest_visible_parts(target, scene, count):
    base, _ = render(target, scene)
    sizes = []
    for part in scene.parts:
        mask, _, _ = _part_pixels(target, scene, part.id)
        sizes.append((mask.sum(), part.id))
    return [p for _, p in sorted(sizes, reverse=True)[:count]]


def test_highlight_changes_that_part_only(target, as1):
    for part_id in _largest_visible_parts(target, as1, 3):
        far = np.eye(4)
        far[:3, 3] = 100.0  # out of view: the pixels that change are the part's
        base, cam = render(target, as1)
        gone, _ = render(target, as1, RenderState(part_poses={part_id: far}), camera=cam)
        own = np.any(base != gone, axis=2)
        selected, _ = render(target, as1, RenderState(highlights={part_id: Highlight.SELECTED}), camera=cam)
        changed = np.any(base != selected, axis=2)
        assert changed.sum() > 50
        assert (changed & own).sum() / changed.sum() > 0.97


def test_moving_a_part_moves_its_pixels(target, as1):
    part_id = _largest_visible_parts(target, as1, 2)[1]
    part = as1.part(part_id)
    before, _, cam = _part_pixels(target, as1, part_id)
    moved = as1.world_matrix(part.node).copy()
    shift = np.array([0.03, 0.0, 0.0])
    moved[:3, 3] += shift
    after, _, _ = _part_pixels(target, as1, part_id, part_poses={part_id: moved})
    centre = as1.node_bounds(as1.part_nodes(part)).mean(axis=0)
    expected = project_points(np.array([centre, centre + shift]), cam.view_matrix(), cam.projection_matrix(W / H), W, H)
    ys0, xs0 = np.nonzero(before)
    ys1, xs1 = np.nonzero(after)
    got = np.array([xs1.mean() - xs0.mean(), ys1.mean() - ys0.mean()])
    want = expected[1, :2] - expected[0, :2]
    assert np.linalg.norm(want) > 10
    np.testing.assert_allclose(got, want, atol=0.25 * np.linalg.norm(want))


def test_ghosts_are_translucent(target, as1):
    part_id = _largest_visible_parts(target, as1, 1)[0]
    pose = as1.world_matrix(as1.part(part_id).node).copy()
    pose[1, 3] += 0.12  # float above the assembly, over background
    ghost = [(part_id, pose, (0.2, 0.9, 0.3, 0.4))]
    a, cam = render(target, as1, RenderState(ghosts=ghost))
    solid, _ = render(target, as1, camera=cam)
    ghost_px = np.any(a != solid, axis=2) & ~covered(solid)
    assert ghost_px.sum() > 100
    other_bg = dataclasses.replace(RenderState(ghosts=ghost), background=BG)
    r = Renderer()
    target.make_current()
    r.set_scene(as1)
    state_b = dataclasses.replace(other_bg, background=(0.9, 0.9, 0.9, 1.0), show_grid=False, background_gradient=False)
    b = target.render(lambda fb: r.draw(cam.view_matrix(), cam.projection_matrix(W / H), (0, 0, W, H), fb, state_b))
    # the background shows through the ghost: its pixels change with the background
    diff = np.abs(a[ghost_px][:, :3].astype(int) - b[ghost_px][:, :3].astype(int)).sum(axis=1)
    assert np.median(diff) > 60
    # the solid parts do not
    solid_px = covered(solid) & ~np.any(a != solid, axis=2)
    assert np.array_equal(a[solid_px], b[solid_px])


def test_overlay_lines_spheres_and_transparent_background(target, as1):
    centre = as1.bounds.mean(axis=0)
    state = RenderState(
        points=np.array([centre], np.float32),
        point_radii=np.array([0.01], np.float32),
        point_colors=np.array([[1.0, 0.0, 1.0, 1.0]], np.float32),
        lines=np.array([[as1.bounds[0], as1.bounds[1]]], np.float32),
        line_colors=np.array([[0.0, 1.0, 1.0, 1.0]], np.float32),
        background=None,
    )
    img, cam = render(target, as1, state)
    assert img[0, 0, 3] == 0, "transparent background for AR"
    x, y, _ = project_points(centre[None], cam.view_matrix(), cam.projection_matrix(W / H), W, H)[0]
    magenta = (img[:, :, 0] > 120) & (img[:, :, 1] < 40) & (img[:, :, 2] > 120)
    ys, xs = np.nonzero(magenta)
    assert abs(xs.mean() - x) < 3 and abs(ys.mean() - y) < 3
    cyan = (img[:, :, 0] < 40) & (img[:, :, 1] > 200) & (img[:, :, 2] > 200)
    assert cyan.sum() > 20


def test_draw_calls_scale_with_materials_not_nodes(target, as1):
    batches = build_batches(as1)
    keys = {(b.material, b.mode) for b in batches.batches}
    assert len(batches.batches) == len(keys) < len(as1.parts)
    # every part's triangles are in the batches exactly once
    total = sum(int(b.part_ranges[:, 1].sum()) // 3 for b in batches.batches if b.mode == "triangles")
    assert total == as1.triangle_count
    r = Renderer()
    target.make_current()
    r.set_scene(as1)
    render(target, as1, camera=_framed(as1), renderer=r)
    assert r.draw_calls == len(batches.batches)


def test_release_then_draw_again_gives_the_same_picture(target, as1):
    target.make_current()
    r = Renderer()
    r.set_scene(as1)
    first, cam = render(target, as1, renderer=r, camera=_framed(as1))
    target.make_current()
    r.release()
    second, _ = render(target, as1, renderer=r, camera=cam)
    np.testing.assert_array_equal(first, second)


def _framed(scene):
    cam = Camera()
    cam.frame(scene.bounds, W / H, "iso")
    return cam


def test_line_and_point_primitives_draw_unlit_at_their_projection(target, as1):
    """Scene primitives in lines/points mode (no test file has them: built from AS1's plate)."""
    from scenes.model import Material, Mesh, Node, Primitive

    plate = next(p for p in as1.parts if p.display_name == "plate")
    tri = as1.meshes[as1.nodes[plate.node].mesh].primitives[0]
    edges = np.unique(np.sort(tri.indices[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1), axis=0)
    lines = Primitive(tri.positions, edges.astype(np.uint32), material=0, mode="lines")
    points = Primitive(tri.positions, np.arange(len(tri.positions), dtype=np.uint32)[:, None], material=1, mode="points")
    world = as1.world_matrix(plate.node)
    nodes = [Node(0, "edges", "edges", world, mesh=0), Node(1, "corners", "corners", world, mesh=1)]
    mats = [Material(base_color=(1.0, 1.0, 0.0, 1.0)), Material(base_color=(1.0, 0.0, 0.0, 1.0))]
    scene = Scene("lines-and-points", nodes, [Mesh("e", [lines]), Mesh("c", [points])], mats)
    img, cam = render(target, scene)
    yellow = (img[:, :, 0] == 255) & (img[:, :, 1] == 255) & (img[:, :, 2] == 0)
    red = (img[:, :, 0] == 255) & (img[:, :, 1] == 0) & (img[:, :, 2] == 0)
    assert yellow.sum() > 200, "edges drawn as lines, unlit in their base colour"
    corners = project_points(tri.positions @ world[:3, :3].T + world[:3, 3], cam.view_matrix(), cam.projection_matrix(W / H), W, H)
    hits = [red[max(int(y) - 3, 0) : int(y) + 4, max(int(x) - 3, 0) : int(x) + 4].any() for x, y, _ in corners]
    assert np.mean(hits) > 0.8, "a red point at (nearly) every projected vertex"
    assert covered(img).mean() < 0.2, "lines and points, not filled triangles"


def test_frustum_culling_skips_parts_off_screen_without_changing_the_picture(target, as1):
    from views.culling import visible_in_frustum
    from views.renderer import _visible_runs

    nut = next(p for p in as1.parts if p.display_name == "nut #1")
    cam = Camera()
    cam.frame(as1.node_bounds(as1.part_nodes(nut)), W / H, "front")
    cam.distance *= 0.6  # closer still: most of the assembly is out of the picture
    target.make_current()
    r = Renderer()
    r.set_scene(as1)
    culled, _ = render(target, as1, camera=cam, renderer=r)
    assert r.culled_parts >= len(as1.parts) // 3
    r.frustum_culling = False
    everything, _ = render(target, as1, camera=cam, renderer=r)
    assert r.culled_parts == 0
    np.testing.assert_array_equal(culled, everything)
    assert covered(culled).mean() > 0.2
    # the clip-space box test agrees with projecting each part's vertices (trimesh-free
    # but independent of the box code): a part with a vertex on screen is never culled
    layout = build_batches(as1)
    vp = cam.projection_matrix(W / H) @ cam.view_matrix()
    visible = visible_in_frustum(layout.part_bounds, layout.part_world, vp)
    for i, part in enumerate(as1.parts):
        nodes = as1.part_nodes(part)
        pts = np.concatenate(
            [as1.meshes[as1.nodes[n].mesh].primitives[0].positions @ as1.world_matrix(n)[:3, :3].T + as1.world_matrix(n)[:3, 3]
             for n in nodes if as1.nodes[n].mesh is not None]
        )
        px = project_points(pts, cam.view_matrix(), cam.projection_matrix(W / H), W, H)
        on_screen = ((px[:, 0] >= 0) & (px[:, 0] < W) & (px[:, 1] >= 0) & (px[:, 1] < H) & (px[:, 2] > 0) & (px[:, 2] < 1)).any()
        assert visible[i] or not on_screen, part.display_name
    # a part moved out of view from the middle of a batch: the batch is drawn in two runs
    middle = next(
        i for i in range(1, len(as1.parts) - 1)
        for b in layout.batches
        if b.part_ranges[i, 1] and b.part_ranges[:i, 1].any() and b.part_ranges[i + 1 :, 1].any()
    )
    away = np.eye(4)
    away[:3, 3] = 50.0
    state = RenderState(part_poses={as1.parts[middle].id: away})
    framed = _framed(as1)
    r.frustum_culling = True
    two_runs, _ = render(target, as1, state, camera=framed, renderer=r)
    assert r.culled_parts == 1
    r.frustum_culling = False
    reference, _ = render(target, as1, state, camera=framed, renderer=r)
    np.testing.assert_array_equal(two_runs, reference)
    # neighbouring visible ranges merge into one run
    ranges = np.array([[0, 3], [3, 6], [9, 0], [9, 3], [12, 3]])
    starts, counts = _visible_runs(ranges, np.array([True, True, True, False, True]))
    assert starts.tolist() == [0, 12] and counts.tolist() == [9, 3]


def test_vertex_colours_show_and_a_model_without_them_is_unchanged(target, tmp_path):
    """A box whose faces are coloured (PLY face colours) draws red and blue where the same
    box without colours draws its grey; the silhouette is the same."""
    box = trimesh.creation.box((0.1, 0.1, 0.1))
    plain_path, coloured_path = tmp_path / "plain.ply", tmp_path / "coloured.ply"
    box.export(plain_path)
    box.visual.face_colors = np.where(np.arange(12)[:, None] % 4 < 2, [230, 20, 20, 255], [20, 20, 230, 255])
    box.export(coloured_path)
    plain, camera = render(target, load_scene(plain_path))
    coloured, _ = render(target, load_scene(coloured_path), camera=camera)
    mask = covered(plain)
    assert mask.mean() > 0.05 and np.array_equal(mask, covered(coloured))
    px = coloured[mask][:, :3].astype(int)
    red = (px[:, 0] > px[:, 1] + 60) & (px[:, 0] > px[:, 2] + 60)
    blue = (px[:, 2] > px[:, 0] + 60) & (px[:, 2] > px[:, 1] + 60)
    assert red.mean() > 0.1 and blue.mean() > 0.1 and (red | blue).mean() > 0.95
    grey = plain[mask][:, :3].astype(int)
    assert (grey.max(axis=1) - grey.min(axis=1)).max() < 20


def test_unlit_materials_draw_their_own_colour_and_samplers_set_the_wrap(target):
    """KHR_materials_unlit: every pixel of a plain unlit box is its base colour, where the
    lit box shades its faces; a glTF sampler's wrap modes reach the GL texture."""
    from OpenGL import GL

    scene = load_scene(BOX_GLB)
    colour = (0.2, 0.6, 0.9, 1.0)

    def box(**changes):
        materials = [dataclasses.replace(m, texture=None, base_color=colour, **changes) for m in scene.materials]
        return Scene(scene.source, scene.nodes, scene.meshes, materials, scene.roots)

    lit, camera = render(target, box())
    unlit, _ = render(target, box(unlit=True), camera=camera)
    mask = covered(lit)
    assert np.array_equal(mask, covered(unlit)) and mask.mean() > 0.05
    expected = np.round(np.array(colour[:3]) * 255)
    assert np.abs(unlit[mask][:, :3].astype(int) - expected).max() <= 2
    assert np.abs(lit[mask][:, :3].astype(int) - expected).max() > 20

    textured = Scene(scene.source, scene.nodes, scene.meshes,
                     [dataclasses.replace(m, texture_wrap=(33071, 33648)) for m in scene.materials], scene.roots)
    renderer = Renderer()
    target.make_current()
    renderer.set_scene(textured)
    render(target, textured, camera=camera, renderer=renderer)
    (texture,) = renderer._textures.values()
    GL.glBindTexture(GL.GL_TEXTURE_2D, texture)
    wrap_s = GL.glGetTexParameteriv(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_S)
    wrap_t = GL.glGetTexParameteriv(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_T)
    assert (int(np.ravel(wrap_s)[0]), int(np.ravel(wrap_t)[0])) == (GL.GL_CLAMP_TO_EDGE, GL.GL_MIRRORED_REPEAT)
    renderer.release()


def test_a_textured_obj_shows_its_image_the_right_way_up(target, tmp_path):
    from tests.test_scenes_loader import write_textured_obj

    scene = load_scene(write_textured_obj(tmp_path))
    img, camera = render(target, scene, view="front")
    mask = covered(img)
    rows = np.flatnonzero(mask.any(axis=1))
    top, bottom = img[rows[0] + 5][mask[rows[0] + 5]], img[rows[-1] - 5][mask[rows[-1] - 5]]
    assert (top[:, 0] > top[:, 2] + 100).all()  # the image's top half is red
    assert (bottom[:, 2] > bottom[:, 0] + 100).all()  # its bottom half blue
