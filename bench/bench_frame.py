"""Frame time of the renderer at 1280x720 on this machine's OpenGL (Mesa llvmpipe under
Xvfb here), batched per material vs a naive one-draw-per-node renderer.

Scenes: the bundled sample (AS1, 5.6 k triangles, 18 parts) and a ~1 M-triangle
assembly made of ten copies of the PM4 pump (real CAD, 99 k triangles, 32 parts each).

Peer, measured in the same run on the same context, shaders and framebuffer: a
renderer that keeps one vertex/index buffer per mesh primitive and issues one draw
call per node with the node's model matrix as a uniform (what a straightforward
scene-graph renderer does). Both are timed with glFinish, so GPU (here: CPU
rasteriser) work is included. Run: ``xvfb-run -a .venv/bin/python bench/bench_frame.py``.
"""

from __future__ import annotations

import ctypes
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from OpenGL import GL  # noqa: E402

from app.display.offscreen import OffscreenTarget  # noqa: E402
from scenes.loader import load_scene  # noqa: E402
from scenes.model import Node, Scene  # noqa: E402
from scenes.samples import SAMPLE_SCENE  # noqa: E402
from views.camera import Camera  # noqa: E402
from views.gl_util import float_attribute, upload_buffer  # noqa: E402
from views.render_state import RenderState  # noqa: E402
from views.renderer import Renderer  # noqa: E402

PM4 = Path(__file__).resolve().parents[1] / "tests" / "data" / "cad" / "glb" / "trj6_pm4-ec-203.glb"
W, H = 1280, 720
FRAMES = 15


def tiled(scene: Scene, copies: int) -> Scene:
    """`copies` of a scene side by side, sharing its meshes (an assembly line of pumps)."""
    size = scene.bounds[1] - scene.bounds[0]
    nodes: list[Node] = []
    roots = []
    for c in range(copies):
        offset = len(nodes)
        root = len(nodes) + len(scene.nodes)
        for n in scene.nodes:
            parent = n.parent + offset if n.parent is not None else root
            nodes.append(
                Node(n.index + offset, n.name, f"copy{c}/{n.path}", n.local, parent, [k + offset for k in n.children], n.mesh)
            )
        local = np.eye(4)
        local[0, 3] = (c % 5) * size[0] * 1.2
        local[2, 3] = (c // 5) * size[2] * 1.2
        children = [r + offset for r in scene.roots]
        nodes.append(Node(root, f"copy{c}", f"copy{c}", local, None, children))
        roots.append(root)
    # renumber: node index must equal its position
    remap = {n.index: i for i, n in enumerate(nodes)}
    for i, n in enumerate(nodes):
        n.index = i
        n.parent = remap[n.parent] if n.parent is not None else None
        n.children = [remap[k] for k in n.children]
    return Scene(f"{scene.source.stem} x{copies}", nodes, scene.meshes, scene.materials, [remap[r] for r in roots])


class PerNodeRenderer:
    """The peer: one VAO per primitive, one draw call per (node, primitive), model matrix
    as a uniform. Reuses the batched renderer's program and part texture (so shading
    cost is identical); only the way geometry is organised and submitted differs."""

    def __init__(self, renderer: Renderer, scene: Scene) -> None:
        self.r = renderer
        self.scene = scene
        self.draws: list[tuple[int, int, np.ndarray, tuple]] = []
        world = scene.world_matrices
        vaos: dict[tuple[int, int], tuple[int, int]] = {}
        for node in scene.nodes:
            if node.mesh is None:
                continue
            for k, prim in enumerate(scene.meshes[node.mesh].primitives):
                if prim.mode != "triangles" or len(prim.indices) == 0:
                    continue
                if (node.mesh, k) not in vaos:
                    v = np.zeros((len(prim.positions), 9), np.float32)
                    v[:, :3] = prim.positions
                    v[:, 3:6] = prim.normals if prim.normals is not None else 0
                    vao = int(GL.glGenVertexArrays(1))
                    GL.glBindVertexArray(vao)
                    upload_buffer(GL.GL_ARRAY_BUFFER, v)
                    for loc, (size, off) in enumerate(((3, 0), (3, 3), (2, 6), (1, 8))):
                        float_attribute(loc, size, 9, off)
                    upload_buffer(GL.GL_ELEMENT_ARRAY_BUFFER, prim.indices.astype(np.uint32))
                    GL.glBindVertexArray(0)
                    vaos[(node.mesh, k)] = (vao, prim.indices.size)
                color = scene.materials[prim.material].base_color if prim.material is not None else (0.8, 0.8, 0.8, 1)
                vao, count = vaos[(node.mesh, k)]
                self.draws.append((vao, count, world[node.index], color))

    def draw(self, view: np.ndarray, proj: np.ndarray, framebuffer: int) -> None:
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, framebuffer)
        GL.glViewport(0, 0, W, H)
        GL.glClearColor(0.3, 0.3, 0.35, 1)
        GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
        GL.glEnable(GL.GL_DEPTH_TEST)
        p = self.r._use_mesh_program(view, proj)
        p.set_int("u_use_override", 1)
        p.set_int("u_has_texture", 0)
        p.set_int("u_lit", 1)
        p.set_float("u_alpha_cutoff", -1.0)
        for vao, count, model, color in self.draws:
            p.set_matrix("u_override", model)
            p.set_vec("u_base_color", color)
            GL.glBindVertexArray(vao)
            GL.glDrawElements(GL.GL_TRIANGLES, count, GL.GL_UNSIGNED_INT, ctypes.c_void_p(0))


def timed(draws: dict[str, Callable[[int], None]], target: OffscreenTarget) -> dict[str, tuple[float, float]]:
    """name -> (median total ms incl. glFinish, median CPU submission ms) over FRAMES frames.

    The contenders take turns frame by frame, so load from other processes on this
    shared 2-core machine hits them alike and the ratio stays fair.
    """
    target.make_current()
    fb = target.framebuffer
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in draws}
    for frame in range(FRAMES + 1):
        for name, draw in draws.items():
            GL.glFinish()
            t0 = time.perf_counter()
            draw(fb)
            t1 = time.perf_counter()
            GL.glFinish()
            if frame:  # the first round warms caches and shader variants
                samples[name].append((time.perf_counter() - t0, t1 - t0))
    return {
        name: (statistics.median(s[0] for s in v) * 1e3, statistics.median(s[1] for s in v) * 1e3)
        for name, v in samples.items()
    }


def bench(name: str, scene: Scene, target: OffscreenTarget) -> None:
    camera = Camera()
    camera.frame(scene.bounds, W / H, "iso")
    view, proj = camera.view_matrix(), camera.projection_matrix(W / H)
    target.make_current()
    renderer = Renderer()
    renderer.set_scene(scene)
    t0 = time.perf_counter()
    renderer.draw(view, proj, (0, 0, W, H), target.framebuffer, RenderState())
    GL.glFinish()
    upload = (time.perf_counter() - t0) * 1e3
    peer = PerNodeRenderer(renderer, scene)
    # the same plain frame for both: no gradient, no grid, nothing but the meshes
    plain = RenderState(background_gradient=False, show_grid=False)
    moved = {p.id: scene.world_matrix(p.node) @ _nudge() for p in scene.parts}
    moving = RenderState(part_poses=moved, background_gradient=False, show_grid=False)
    viewport = (0, 0, W, H)
    t = timed(
        {
            "batched": lambda fb: renderer.draw(view, proj, viewport, fb, plain),
            "peer": lambda fb: peer.draw(view, proj, fb),
            "moved": lambda fb: renderer.draw(view, proj, viewport, fb, moving),
            "full": lambda fb: renderer.draw(view, proj, viewport, fb),
        },
        target,
    )
    renderer.draw(view, proj, viewport, target.framebuffer, plain)
    calls = renderer.draw_calls
    (batched, batched_cpu), (naive, naive_cpu) = t["batched"], t["peer"]
    print(f"\n{name}: {scene.triangle_count:,} triangles, {len(scene.nodes)} nodes, {len(scene.parts)} parts")
    print(f"  first frame incl. upload               {upload:8.1f} ms")
    print(f"  batched per material ({calls:4d} draws)     {batched:8.1f} ms/frame (CPU submit {batched_cpu:.2f} ms)")
    print(f"  peer: one draw per node ({len(peer.draws):4d} draws) {naive:8.1f} ms/frame (CPU submit {naive_cpu:.2f} ms)")
    print(f"  batched, every part moved              {t['moved'][0]:8.1f} ms/frame")
    print(f"  batched + gradient + grid (as the GUI) {t['full'][0]:8.1f} ms/frame")
    print(f"  ratio peer / batched: {naive / batched:.2f}x frame time, {naive_cpu / batched_cpu:.2f}x CPU submit")


def bench_culling(scene: Scene, target: OffscreenTarget) -> None:
    """Zoomed on one pump of the ten (as when walking through an assembly): frustum
    culling on vs off, same renderer, same picture."""
    first = [p for p in scene.parts if p.id.startswith("copy0/")]
    bounds = scene.node_bounds([n for p in first for n in scene.part_nodes(p)])
    camera = Camera()
    camera.frame(bounds, W / H, "iso")
    view, proj = camera.view_matrix(), camera.projection_matrix(W / H)
    target.make_current()
    renderer = Renderer()
    renderer.set_scene(scene)
    plain = RenderState(background_gradient=False, show_grid=False)
    viewport = (0, 0, W, H)

    def draw(culling: bool) -> Callable[[int], None]:
        def run(fb: int) -> None:
            renderer.frustum_culling = culling
            renderer.draw(view, proj, viewport, fb, plain)

        return run

    t = timed({"culled": draw(True), "all": draw(False)}, target)
    draw(True)(target.framebuffer)
    print(f"\nPM4 x10 zoomed on one pump: {renderer.culled_parts} of {len(scene.parts)} parts outside the view")
    print(f"  frustum culling on                     {t['culled'][0]:8.1f} ms/frame")
    print(f"  peer: culling off                      {t['all'][0]:8.1f} ms/frame")
    print(f"  ratio off / on: {t['all'][0] / t['culled'][0]:.2f}x")


def bench_widget(scene: Scene) -> float:
    """Median ms per repaint of the real Viewport widget at 1280x720 (Qt composition and
    glFinish included): what a user of the desktop window waits per frame."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from views.viewport import Viewport

    app = QApplication.instance()
    viewport = Viewport()
    viewport.resize(W, H)
    viewport.show()
    viewport.set_scene(scene)
    QTest.qWaitForWindowExposed(viewport)
    for _ in range(3):
        app.processEvents()
    times: list[float] = []
    painted: list[float] = []
    viewport.frameTimeChanged.connect(painted.append)
    while len(times) < FRAMES:
        viewport.camera.orbit(0.02, 0.0)  # a new picture every frame, as when orbiting
        before = len(painted)
        t0 = time.perf_counter()
        viewport.update()
        app.processEvents()
        viewport.makeCurrent()
        GL.glFinish()
        if len(painted) > before:  # count only event-loop turns that painted a frame
            times.append(time.perf_counter() - t0)
        viewport.doneCurrent()
    viewport.close()
    QApplication.processEvents()
    return statistics.median(times) * 1e3


def _nudge() -> np.ndarray:
    m = np.eye(4)
    m[1, 3] = 0.01
    return m


def main() -> None:
    from app.display.application import create_application

    create_application()  # a QApplication (not just a QGuiApplication) for the widget part
    sample, big = load_scene(SAMPLE_SCENE), tiled(load_scene(PM4), 10)
    with OffscreenTarget(W, H, samples=0) as target:
        target.make_current()
        print(f"OpenGL: {GL.glGetString(GL.GL_RENDERER).decode()}, {W}x{H}, no MSAA, {FRAMES} frames, median")
        bench("sample (AS1)", sample, target)
        bench("PM4 x10", big, target)
        bench_culling(big, target)
    print("\nViewport widget (QOpenGLWidget) at 1280x720, orbiting, Qt composition included:")
    for name, scene in (("sample (AS1)", sample), ("PM4 x10", big)):
        print(f"  {name:14s} {bench_widget(scene):8.1f} ms/frame")


if __name__ == "__main__":
    main()
