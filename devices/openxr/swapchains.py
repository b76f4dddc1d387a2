"""One colour swapchain per eye, each image wrapped in a framebuffer object the shared
renderer can draw into.

The runtime owns the colour textures; we add one depth renderbuffer per eye (images of
a swapchain are used one at a time) and one FBO per image, made once, so a frame only
binds an FBO. All GL calls need the session's context current.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import xr
from OpenGL import GL

#: colour formats in order of preference. sRGB first: the runtime then reads the
#: renderer's output as display-encoded colour, exactly as the desktop window shows it
#: (the renderer's shaders write display-ready values, so GL_FRAMEBUFFER_SRGB stays off).
COLOR_FORMATS = (GL.GL_SRGB8_ALPHA8, GL.GL_RGBA8)


def choose_color_format(offered: list[int]) -> int:
    """The first of COLOR_FORMATS the runtime offers (it lists its own preference first,
    often a float format the renderer gains nothing from)."""
    for fmt in COLOR_FORMATS:
        if fmt in offered:
            return fmt
    names = ", ".join(hex(f) for f in offered)
    raise RuntimeError(
        f"the OpenXR runtime offers no 8-bit RGBA swapchain format (it offers {names})"
    )


@dataclass
class EyeSwapchain:
    """A swapchain and its per-image framebuffers, for one eye."""

    handle: xr.Swapchain
    width: int
    height: int
    textures: list[int]
    framebuffers: list[int] = field(default_factory=list)
    depth: int = 0

    def framebuffer(self, image_index: int) -> int:
        return self.framebuffers[image_index]


def create_eye_swapchains(
    session: xr.Session, views: list[xr.ViewConfigurationView], color_format: int
) -> list[EyeSwapchain]:
    """A swapchain per view at the runtime's recommended size, with FBOs ready to draw."""
    chains = []
    for view in views:
        width, height = view.recommended_image_rect_width, view.recommended_image_rect_height
        handle = xr.create_swapchain(
            session,
            xr.SwapchainCreateInfo(
                usage_flags=xr.SwapchainUsageFlags.COLOR_ATTACHMENT_BIT
                | xr.SwapchainUsageFlags.SAMPLED_BIT,
                format=color_format,
                sample_count=1,
                width=width,
                height=height,
                face_count=1,
                array_size=1,
                mip_count=1,
            ),
        )
        images = xr.enumerate_swapchain_images(handle, xr.SwapchainImageOpenGLKHR)
        chain = EyeSwapchain(handle, width, height, [int(image.image) for image in images])
        _attach_framebuffers(chain)
        chains.append(chain)
    return chains


def _attach_framebuffers(chain: EyeSwapchain) -> None:
    chain.depth = int(GL.glGenRenderbuffers(1))
    GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, chain.depth)
    GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_DEPTH24_STENCIL8, chain.width, chain.height)
    for texture in chain.textures:
        fbo = int(GL.glGenFramebuffers(1))
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, fbo)
        GL.glFramebufferTexture2D(
            GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, texture, 0
        )
        GL.glFramebufferRenderbuffer(
            GL.GL_FRAMEBUFFER, GL.GL_DEPTH_STENCIL_ATTACHMENT, GL.GL_RENDERBUFFER, chain.depth
        )
        status = GL.glCheckFramebufferStatus(GL.GL_FRAMEBUFFER)
        chain.framebuffers.append(fbo)
        if status != GL.GL_FRAMEBUFFER_COMPLETE:
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
            raise RuntimeError(
                f"cannot draw into the headset swapchain (framebuffer status {status:#x})"
            )
    GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)


def destroy_eye_swapchains(chains: list[EyeSwapchain]) -> None:
    """Free the FBOs and depth buffers (context current), then the swapchains. After the
    runtime died the handles are already gone with it: that is not an error here."""
    for chain in chains:
        if chain.framebuffers:
            GL.glDeleteFramebuffers(len(chain.framebuffers), chain.framebuffers)
        if chain.depth:
            GL.glDeleteRenderbuffers(1, [chain.depth])
        try:
            xr.destroy_swapchain(chain.handle)
        except xr.exception.XrException:
            pass  # lost session or instance: the runtime freed it
    chains.clear()
