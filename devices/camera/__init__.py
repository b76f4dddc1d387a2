"""Webcam (or video file) hand and eye tracking with MediaPipe, producing InputFrames.

Modules: ``hand_joints`` (21 landmarks -> 26 OpenXR joints, pure NumPy), ``gaze`` (head
pose, iris, calibration), ``one_euro`` (smoothing), ``tracker`` (MediaPipe per frame),
``source`` (OpenCV capture of a camera, video or image), ``device`` (the threaded Device).
Nothing here imports cv2 or MediaPipe until a tracker or source is opened.
"""
