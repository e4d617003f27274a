"""What the Sampling pane runs in its job's worker: building, training and resuming a GPT,
writing a generation, opening a checkpoint. Plain functions of their arguments: nothing here
touches the screen; results reach it through the job."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.events import NextToken
    from engine.gpt_run import GPTRun
    from engine.sample import SampleSettings
    from tui.jobs import Job

SAMPLE_TOKENS = 200  # characters per sample while training
GEN_TOKENS = 300  # characters "Generate now" writes


def describe(temperature: float, top_k: int | None, top_p: float | None = None) -> str:
    return f"temperature {temperature:g}" + cut_off(top_k, top_p)


def describe_short(live: dict[str, Any]) -> str:
    return f"T {live['temperature']:g}" + cut_off(live["top_k"], live.get("top_p"))


def cut_off(top_k: int | None, top_p: float | None) -> str:
    """ ", top-k 5, top-p 0.9": the tokens left out of the draw, if any are."""
    return (f", top-k {top_k}" if top_k else "") + (f", top-p {top_p:g}" if top_p else "")


def sample_settings(live: dict[str, Any]) -> SampleSettings:
    """The engine's sampling settings for the pane's live fields."""
    from engine.sample import SampleSettings

    return SampleSettings(
        live["every"],
        SAMPLE_TOKENS,
        live["prompt"],
        live["temperature"],
        live["top_k"],
        live["top_p"],
    )


def engine_threads(app_threads: int | None) -> None:
    from engine.device import default_threads, use_threads

    use_threads(default_threads("gpt") if app_threads is None else app_threads)


def build(preset: str, corpus: str, steps: int | None, data_dir: str | None, device: str) -> GPTRun:
    from engine.gpt_run import GPTRun

    train = {"max_iters": steps} if steps else {}
    return GPTRun.start(corpus, preset=preset, train=train, data_dir=data_dir, device=device)


def train_new(
    job: Job,
    begun: Callable[[tuple[GPTRun, str]], None],
    settings: dict[str, Any],
    threads: int | None,
    data_dir: str | None,
    device: str,
) -> Iterator[object]:
    """Build the run on `device` (its text loads here), hand it to the pane (`begun`), show
    what it writes before learning anything, then train."""
    engine_threads(threads)
    run = build(settings["preset"], settings["corpus"], settings["max_steps"], data_dir, device)
    run.set_sampling(sample_settings(settings))
    job.deliver(begun, (run, run.summary()))
    yield run.sample_now()
    yield from run.events()


def resume(run: GPTRun, sampling: SampleSettings, threads: int | None) -> Iterator[object]:
    engine_threads(threads)
    run.set_sampling(sampling)
    yield from run.events()


def write(
    source: GPTRun | tuple[Any, Any, str] | None,
    trained: bool,
    key: tuple[str, str],
    live: dict[str, Any],
    threads: int | None,
    data_dir: str | None,
    device: str,
    built: tuple[Job, Callable[[tuple[tuple[str, str], GPTRun]], None]],
) -> tuple[str, str, list[NextToken]]:
    """All the characters "generate now" writes, at once, from `source`: the run training
    (`trained`), a model-only checkpoint, or an untrained run (built here on `device` when
    there is none for `key` (preset, corpus) yet, and handed to the pane through `built`)."""
    from engine.sample import generate

    engine_threads(threads)
    if source is None:
        source = build(*key, None, data_dir, device)
        job, keep = built
        job.deliver(keep, (key, source))
    if isinstance(source, tuple):
        model, tokenizer, weights = source
    else:
        model, tokenizer = source.model, source.tokenizer
        weights = f"step {source.step}" if trained else "untrained"
    pieces = generate(
        model,
        tokenizer,
        live["prompt"],
        GEN_TOKENS,
        temperature=live["temperature"],
        top_k=live["top_k"],
        top_p=live["top_p"],
    )
    return f"{weights}, {describe_short(live)}", live["prompt"], list(pieces)


def open_checkpoint(path: str, data_dir: str | None, device: str) -> tuple:
    """In a worker, onto `device`: a run to go on with, or else a model to generate from (a
    file saved as a model only, or a run that cannot go on here: the last item says why). A
    file that is not a model either fails with the run's one-line error."""
    from engine.checkpoint import CheckpointError
    from engine.errors import EngineError
    from engine.gpt_checkpoint import ModelOnlyError, load_model, load_model_checkpoint
    from engine.gpt_run import GPTRun

    try:
        run = GPTRun.load(path, device, data_dir=data_dir)
        return path, run, run.summary()
    except CheckpointError as exc:
        try:  # a model without optimiser state can still generate
            step = load_model_checkpoint(path)["step"]
            model, tokenizer = load_model(path, device)
        except EngineError:
            raise exc from None
        why = str(exc)
        if isinstance(exc, ModelOnlyError):
            why = f"{Path(path).name} holds a model only: it can be sampled, not resumed"
        return path, (model, tokenizer, Path(path).name), step, why
