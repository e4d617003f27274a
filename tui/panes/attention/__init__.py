"""The Attention pane."""
