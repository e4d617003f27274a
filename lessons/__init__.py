"""Lesson files (Markdown with a small front matter) and exercise stubs.

The app and the CLI both read them."""
