"""The `learn-gpt` command line (typer and Rich) over the engine; `main` is its entry point."""

from tui.cli.app import main

__all__ = ["main"]
