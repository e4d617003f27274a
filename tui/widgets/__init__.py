"""Reusable Textual widgets: they draw numpy arrays and know nothing of torch."""
