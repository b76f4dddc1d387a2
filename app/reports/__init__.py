"""What ``xrjig report`` writes besides the CSV files: the HTML report with its per-variant
comparison table, tests and plots (``html``), and the gaze heatmap drawn on the model by
the real renderer, offscreen (``heatmap``).
"""
