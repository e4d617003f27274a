"""learn-gpt's engine: models, data, training and checkpoints, in PyTorch and numpy only.

Nothing here imports Textual or Rich or prints: long work is a generator of plain event objects
(see `engine.events`), so the TUI, the CLI and the tests all drive the same code. Modules import
torch where they use it, so importing the package itself is cheap.
"""
