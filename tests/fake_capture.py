"""Stand-ins for ``cv2.VideoCapture`` of cameras that fail: hardware faults cannot be
made on demand, the code paths that handle them can."""

from __future__ import annotations


class UnpluggedCapture:
    """A camera that opens, then delivers nothing (unplugged, or taken by another program)."""

    opens = True

    def __init__(self, index):
        pass

    def isOpened(self):  # noqa: N802 (OpenCV's name)
        return self.opens

    def set(self, *args):
        return True

    def get(self, prop):
        return 30.0

    def read(self):
        return False, None

    def release(self):
        pass


class BusyCapture(UnpluggedCapture):
    """A camera that is there but does not open (in use by another program)."""

    opens = False
