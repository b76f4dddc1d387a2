"""The ``xrjig`` sub-commands, one module each (``add_arguments(parser)`` and
``run(args) -> int``), imported by ``app.cli`` only when used; ``gui`` is the window a bare
``xrjig [FILE]`` opens.
"""
