"""The app's half of headset mode, the part a device may not hold because it draws with
views: the eye renderer the OpenXR frame loop is given (``eyes``), the headset device built
with it and an offscreen GL context (``device``), and the facilitator's short real headset
session behind ``xrjig devices --probe`` (``probe``). The device itself is
devices.openxr.headset; the desktop side of headset mode is app.window.headset_mirror.
"""
