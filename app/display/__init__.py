"""A display and an OpenGL context: the Qt application set-up every window, the render
command and the GL tests share (``application``), and the offscreen OpenGL 3.3 context
with a framebuffer for drawing without a window (``offscreen``: Qt on an X display, EGL
without one). The bottom of app: it imports no other part of app.
"""
