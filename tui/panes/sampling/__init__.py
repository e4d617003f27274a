"""The Sampling pane."""
