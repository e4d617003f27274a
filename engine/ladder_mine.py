"""A learner's own pieces for the ladder: `head.py`, `multi_head.py`, ... found in one folder.

Each file is the one `learn-gpt exercise start NAME` wrote and the learner filled in; it holds
the class of the lecture's name (`Head` in head.py, `MultiHeadAttention` in multi_head.py,
`FeedForward`, `Block`, `LayerNorm`). Files that are not there leave the engine's class in
place. The folder goes on `sys.path`, so `from head import Head` works between the files.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from torch import nn

from engine.exercise_checks.runner import load_module
from engine.ladder import LadderError
from engine.ladder_pieces import CLASS_NAMES, PIECE_NAMES, Pieces


@dataclass(frozen=True)
class Mine:
    """The pieces with the learner's classes in place, and the file each came from."""

    pieces: Pieces
    files: dict[str, Path] = field(default_factory=dict)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def load_piece(name: str, path: Path) -> type[nn.Module]:
    """The class `CLASS_NAMES[name]` from the learner's file at `path`; LadderError if the file
    does not import or holds no such nn.Module."""
    cls_name = CLASS_NAMES[name]
    try:
        module = load_module(path, f"learner_ladder_{name}")
    except SyntaxError as exc:
        raise LadderError(f"{path.name} does not compile: line {exc.lineno}: {exc.msg}") from None
    except BaseException as exc:  # noqa: BLE001 - SystemExit and all: the file is theirs
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise LadderError(f"importing {path.name} raised {_first_line(exc)}") from None
    cls = getattr(module, cls_name, None)
    if cls is None:
        raise LadderError(
            f"{path.name} has no class {cls_name}: keep the stub's `class {cls_name}`"
        )
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise LadderError(f"{cls_name} in {path.name} is not an nn.Module class")
    return cls


def find_mine(folder: str | Path) -> Mine:
    """The learner's pieces found in `folder` (at least one), the engine's for the rest."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise LadderError(f"--mine {folder}: not a folder (give the folder of your head.py, ...)")
    files = {
        name: folder / f"{name}.py" for name in PIECE_NAMES if (folder / f"{name}.py").is_file()
    }
    if not files:
        wanted = ", ".join(f"{name}.py" for name in PIECE_NAMES)
        raise LadderError(
            f"--mine {folder}: none of {wanted} is there "
            "(start one with `learn-gpt exercise start head`)"
        )
    where = str(folder.resolve())
    if where not in sys.path:
        sys.path.append(where)
    pieces = Pieces()
    for name, path in files.items():
        pieces = replace(pieces, **{name: load_piece(name, path)})
    return Mine(pieces, files)
