"""Qt widgets and the OpenGL renderer: the only place that knows Qt widgets or GL.
Views read engine state and draw it; they never decide interaction outcomes."""
