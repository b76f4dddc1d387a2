"""The OpenXR headset device: runtime (instance, system, session), lifecycle, actions,
hand tracking, eye gaze and spaces, assembled into ``OpenXRDevice`` (``device``), and the
headset mode device that also draws the eyes (``headset``: ``HeadsetDevice``).

No Qt here; OpenGL only in the swapchain / frame-loop / headset modules, which get the
graphics binding from ``binding`` and the GL context and eye renderer from ``app``
(app.headset.device).
"""
