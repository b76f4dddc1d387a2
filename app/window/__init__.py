"""The desktop window's controllers: the live window's ``controller`` (session, docks,
authoring, undo) and the parts it delegates to (device choice and switching, the camera
dock's feed, trials, the headset mirror, the desktop device's carry assist, view framing,
stored settings), and the replay window (``replay_window``) File > Open recording opens.
"""
