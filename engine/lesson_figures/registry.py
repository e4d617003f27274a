"""The registry of experiments: `@experiment()` registers a function under its name, run once
per process; `check(figure)` measures a lesson's figure with the experiment it names."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.errors import ConfigError

if TYPE_CHECKING:
    from lessons.loader import Figure

Values = dict[str, float]


@dataclass(frozen=True)
class Experiment:
    name: str
    run: Callable[[], Values]  # cached: the second call returns the first's values
    slow: bool
    about: str  # how it measures, in a line (its docstring's first)


EXPERIMENTS: dict[str, Experiment] = {}


def experiment(*, slow: bool = False) -> Callable[[Callable[[], Values]], Callable[[], Values]]:
    """Register the function as the experiment of its name."""

    def register(fn: Callable[[], Values]) -> Callable[[], Values]:
        about = (fn.__doc__ or "").strip().splitlines()[0]
        EXPERIMENTS[fn.__name__] = Experiment(fn.__name__, functools.cache(fn), slow, about)
        return fn

    return register


@dataclass(frozen=True)
class Checked:
    figure: Figure
    measured: float

    @property
    def holds(self) -> bool:
        return self.figure.holds(self.measured)


def experiment_of(measure: str) -> Experiment:
    """The experiment a figure's `measure` ("experiment.value") names; ConfigError if none."""
    name = measure.split(".")[0]
    if name not in EXPERIMENTS:
        raise ConfigError(f"no experiment {name!r} measures lesson figures")
    return EXPERIMENTS[name]


def check(figure: Figure) -> Checked:
    """Measure `figure` (running its experiment, once per process)."""
    values = experiment_of(figure.measure).run()
    key = figure.measure.split(".", 1)[1]
    if key not in values:
        raise ConfigError(f"experiment {figure.experiment!r} measures no {key!r}")
    return Checked(figure, float(values[key]))
