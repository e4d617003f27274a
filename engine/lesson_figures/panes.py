"""The experiments behind the figures the panes' own help quotes (`?`): how long a run takes.

The help files are marked as lessons are (lessons.loader); the Lab's and the Sampling pane's
times come from lesson 5's and lesson 9's runs, the Build pane's from the quick ladder here.
Times are the processor time of one thread, what one free core takes, not the wall clock of a
busy machine.
"""

from __future__ import annotations

import time

from engine.lesson_figures.registry import Values, experiment


@experiment(slow=True)
def ladder_timing() -> Values:
    """The Build pane's quick ladder, rungs 1-6 at 1,500 steps a rung on the bundled sample
    (seed 1337), through engine.ladder.climb: its processor time in minutes."""
    from engine.ladder import climb, get_rungs, load_data, quick

    data = load_data("sample")
    rungs = [quick(rung, 1500) for rung in get_rungs("1-6")]
    began = time.process_time()
    for _ in climb(rungs, data, seed=1337):
        pass
    return {"cpu_minutes": (time.process_time() - began) / 60}
