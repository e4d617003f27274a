"""What the Build pane runs in its job's worker: a ladder of rungs, or one rung trained again
with the learner's classes. Plain generators of the engine's events; nothing here touches the
screen. Creating one runs nothing: its body (torch, the text) starts in the worker.

The pane keeps the generator and hands the same object to a new worker to resume it: the job
stops a worker by leaving its loop, which does not close the generator, so it goes on from the
step it had reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.panes.sampling.work import engine_threads

if TYPE_CHECKING:
    from engine.ladder import Rung


@dataclass(frozen=True)
class LadderSettings:
    """What a ladder is trained with; a rung's result remembers them, so that the learner's
    version of it trains the same way."""

    rungs: str  # "1-6"
    iters: int | None  # steps of a quick ladder; None: the lecture's
    corpus: str
    seed: int


def chosen(rungs: str, iters: int | None) -> list[Rung]:
    """The rungs `rungs` names, shortened to `iters` steps unless None (ConfigError if bad)."""
    from engine.ladder import get_rungs, quick

    return [rung if iters is None else quick(rung, iters) for rung in get_rungs(rungs)]


def resume(ladder: Iterator[object], threads: int | None) -> Iterator[object]:
    """The job's work: the ladder (new or paused) itself, with the app's thread policy."""
    engine_threads(threads)
    return ladder


def climb(settings: LadderSettings, data_dir: str | None, device: str) -> Iterator[object]:
    """Every rung of the ladder in turn, on the reference's pieces, trained on `device`."""
    from engine.ladder import climb, load_data

    rungs = chosen(settings.rungs, settings.iters)
    data = load_data(settings.corpus, data_dir)
    yield from climb(rungs, data, seed=settings.seed, device=device)


def retrain(
    number: int,
    settings: LadderSettings,
    folder: str,
    reference: bool,
    data_dir: str | None,
    device: str,
) -> Iterator[object]:
    """Rung `number` built with the learner's classes from `folder` (after the reference's,
    when `reference` says it is not trained yet), trained on `device`; LadderError if none of
    them is in it."""
    from engine.ladder import LadderError, load_data, train_rung
    from engine.ladder_mine import find_mine

    mine = find_mine(folder)
    (rung,) = chosen(str(number), settings.iters)
    if not mine.pieces.theirs(rung.uses):
        found = [mine.files[name].name for name in rung.uses if name in mine.files]
        if found:
            raise LadderError(f"{', '.join(found)} in {folder}: the engine's own classes, imported")
        files = ", ".join(path.name for path in mine.files.values())
        uses = ", ".join(f"{name}.py" for name in rung.uses) or "none of the pieces"
        raise LadderError(f"rung {number} ({rung.name}) uses {uses}; {folder} holds {files}")
    data = load_data(settings.corpus, data_dir)
    if reference:
        yield from train_rung(rung, data, seed=settings.seed, device=device)
    yield from train_rung(rung, data, pieces=mine.pieces, seed=settings.seed, device=device)
