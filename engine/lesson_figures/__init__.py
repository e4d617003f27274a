"""The experiments behind the figures the lessons quote, so that a lesson never tells a learner
to watch for a number the code no longer produces.

A lesson marks a figure with the value that measures it, `[82.90%](measured:
mlp_sample.accuracy_3 ±0.05)` (see `lessons.loader`). Each experiment is a function run once per
process that returns its named values; it repeats what the step sets up in its pane, through
the same engine code the pane calls. Each module beside this one registers the experiments of
its part of the course (`registry.experiment`); all are imported here. Fast experiments
(seconds) are re-measured by the test suite; slow ones (training runs of a minute or more) by
`learn-gpt lesson --verify-slow`.

    checked = check(figure)      # Checked(figure, measured); checked.holds
"""

import importlib
import pkgutil

from engine.lesson_figures.registry import EXPERIMENTS, Checked, Experiment, check, experiment_of

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "registry":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["EXPERIMENTS", "Checked", "Experiment", "check", "experiment_of"]
