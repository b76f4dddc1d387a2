"""The OpenXR headset device: runtime (instance, system, session), lifecycle, actions,
hand tracking, eye gaze and spaces, assembled into ``OpenXRDevice`` (``device``).

No Qt here; OpenGL only in the swapchain / frame-loop modules, which get the graphics
binding and a render callback from ``app``.
"""
