"""The experiments behind lessons 1 and 2: Nielsen's network in the Digits pane."""

from __future__ import annotations

from engine.lesson_figures.registry import Values, experiment


@experiment()
def mlp_sample() -> Values:
    """Nielsen's 784,30,10 network, 3 epochs of mini-batch 10 at eta 3.0, seed 0, quadratic cost,
    on the bundled sample, as the Digits pane trains it: test digits right after each epoch
    (and as a percentage)."""
    from engine.mlp_run import MLPConfig, MLPRun

    run = MLPRun.start(MLPConfig(epochs=3, data="sample"))
    for _ in run.events(loss_every=10**9):
        pass
    values = {}
    for i, (correct, total) in enumerate(run.accuracy, start=1):
        values |= {f"correct_{i}": correct, f"accuracy_{i}": 100 * correct / total}
    return values


@experiment()
def mlp_one_batch() -> Values:
    """Nielsen's 784,30,10 network, mini-batch 10 at eta 3.0, seed 0, quadratic cost, on the
    bundled sample, stepped one mini-batch at a time as the Digits pane's `n` does (lesson 2):
    the cost the Shapes tab shows before each of the first five mini-batches."""
    from engine.mlp_run import MLPConfig, MLPRun

    run = MLPRun.start(
        MLPConfig(
            sizes=(784, 30, 10),
            epochs=1,
            mini_batch_size=10,
            eta=3.0,
            seed=0,
            cost="quadratic",
            data="sample",
        )
    )
    values = {}
    for i in range(1, 6):
        events, _ = run.step_once()
        values[f"cost_{i}"] = events[0].loss
    return values


@experiment(slow=True)
def mlp_full() -> Values:
    """The book's run on the full MNIST set (from the data folder or the user cache): 784,30,10,
    30 epochs of mini-batch 10 at eta 3.0, seed 0, as the Digits pane trains it once the set
    is there: the best test accuracy of the 30 epochs (%)."""
    from engine.mlp_run import MLPConfig, MLPRun

    run = MLPRun.start(MLPConfig(epochs=30, data="mnist"))
    for _ in run.events(loss_every=10**9):
        pass
    return {"peak_accuracy": max(100 * c / t for c, t in run.accuracy)}
