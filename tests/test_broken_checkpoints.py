"""Every loader of every checkpoint kind refuses a malformed file in one line naming it: the
engine raises CheckpointError, the command line says "learn-gpt: ..." on one line and exits
non-zero, and the app shows the line and goes on. The broken files are crafted from small real
checkpoints; a change to their numbers has its hash recomputed, so it reaches the checks
behind the hash (the hash itself is tested by leaving it stale)."""

from __future__ import annotations

import copy
import pickle
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import torch
from pilot_helpers import opened, until
from textual.widgets import Input, Select, Static

from engine import checkpoint
from engine.checkpoint import CheckpointError
from engine.data.digits import Digits, DigitSet, load_sample
from engine.data.sources import PRETRAINED_GPT
from engine.gpt_checkpoint import load_model
from engine.gpt_run import GPTRun
from engine.mlp_run import MLPConfig, MLPRun
from tui.cli import main
from tui.panes.copying.inside_view import InsideView

Craft = Callable[[dict, Path, Path], None]  # (the good file's dict, the good file, where)
MODEL_ONLY = "holds a model only, not a run to resume: use it with `learn-gpt sample`"


# -- the good files --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_digits() -> Digits:
    sample = load_sample()
    train = DigitSet(sample.train.images[:500], sample.train.labels[:500])
    test = DigitSet(sample.test.images[:100], sample.test.labels[:100])
    return Digits(train, None, test, "first 500 of the sample")


@pytest.fixture(scope="module")
def good(tmp_path_factory, small_digits) -> dict[str, Path]:
    """A GPT run of two steps (resumable), the same as a model only, and a digit run."""
    where = tmp_path_factory.mktemp("good")
    run = GPTRun.start(
        "sample",
        preset="tiny",
        model=dict(n_layer=1, n_head=2, n_embd=16, block_size=16),
        train=dict(max_iters=2, eval_interval=2, eval_iters=1, batch_size=4, sample_interval=0),
    )
    list(run.events())
    run.save(where / "run.pt")
    run.save_model(where / "model.pt")
    config = MLPConfig(sizes=(784, 8, 10), epochs=1, mini_batch_size=50, data="sample")
    mlp = MLPRun.start(config, small_digits)
    list(mlp.events())
    mlp.save(where / "mlp.pt")
    return {"run": where / "run.pt", "model": where / "model.pt", "mlp": where / "mlp.pt"}


# -- crafting --------------------------------------------------------------------------------
def rehashed(data: dict) -> dict:
    data[checkpoint.HASH] = checkpoint.tensors_hash(data)
    return data


def edit(change: Callable[[dict], object], rehash: bool = True) -> Craft:
    """The good file's dict changed by `change`, saved with its hash recomputed (or not)."""

    def craft(raw: dict, good: Path, out: Path) -> None:
        data = copy.deepcopy(raw)
        change(data)
        torch.save(rehashed(data) if rehash else data, out)

    return craft


def _place(data: Any, where: str) -> tuple[Any, Any]:
    """The container and key of the field at the dotted path `where` ("model_config.n_head",
    "history.0.step": a number is a list index, or an optimiser state's parameter number)."""
    *path, last = [int(key) if key.isdigit() else key for key in where.split(".")]
    for key in path:
        data = data[key]
    return data, last


def put(where: str, value: object) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        box, key = _place(data, where)
        box[key] = value

    return change


def drop(where: str) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        box, key = _place(data, where)
        del box[key]

    return change


def grow(where: str, by: int) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        box, key = _place(data, where)
        box[key] += by

    return change


def written(make: Callable[[bytes], bytes]) -> Craft:
    def craft(raw: dict, good: Path, out: Path) -> None:
        out.write_bytes(make(good.read_bytes()))

    return craft


def saved(obj: object) -> Craft:
    def craft(raw: dict, good: Path, out: Path) -> None:
        torch.save(obj, out)

    return craft


def a_zip(raw: dict, good: Path, out: Path) -> None:
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not a checkpoint")


def forbidden_global(raw: dict, good: Path, out: Path) -> None:
    with open(out, "wb") as fh:
        pickle.dump({**raw, "obj": CheckpointError("runs code")}, fh)


def first_tensor(data: Any) -> torch.Tensor | None:
    if isinstance(data, torch.Tensor) and data.is_floating_point():
        return data
    items = data.values() if isinstance(data, dict) else data if isinstance(data, list) else ()
    for item in items:
        found = first_tensor(item)
        if found is not None:
            return found
    return None


def nudged(data: dict) -> None:
    first_tensor(data).view(-1)[0] += 1e-3


def sparse(data: dict) -> None:
    data["extra"] = {"sparse": torch.eye(3).to_sparse()}


# every kind of file: (id, craft)
FILE_CASES: list[tuple[str, Craft]] = [
    ("missing", lambda raw, good, out: None),
    ("a folder", lambda raw, good, out: out.mkdir()),
    ("empty", written(lambda b: b"")),
    ("truncated", written(lambda b: b[: len(b) // 2])),
    ("random bytes", written(lambda b: bytes((i * 131 + 7) % 256 for i in range(4096)))),
    ("a zip, not a torch file", a_zip),
    ("a forbidden global", forbidden_global),
    ("not a dict", saved([1, 2, 3])),
    ("another program's dict", saved({"state_dict": {}})),
    ("version 2", edit(put("version", 2))),
    ("another kind", edit(put("kind", "seq2seq"))),
    ("a kind that is a list", edit(put("kind", ["gpt"]))),
    ("tensors changed after saving", edit(nudged, rehash=False)),
    ("a hash that is not text", edit(lambda d: d.update(sha256=5), rehash=False)),
    ("a sparse tensor", edit(sparse, rehash=False)),
]


def weight(name: str, value: object) -> Callable[[dict], None]:
    return lambda data: data["model"].__setitem__(name, value)


def chars(change: Callable[[list], object]) -> Callable[[dict], None]:
    return lambda data: change(data["tokenizer"]["chars"])


# what sampling and looking inside rely on: every GPT loader refuses these
MODEL_CASES: list[tuple[str, Craft]] = [
    (f"no {key}", edit(drop(key))) for key in ("model_config", "model", "tokenizer", "step")
] + [
    ("config not a dict", edit(put("model_config", "tiny"))),
    ("config with an unknown setting", edit(put("model_config.n_legs", 4))),
    ("config without vocab_size", edit(drop("model_config.vocab_size"))),
    ("vocab_size a string", edit(put("model_config.vocab_size", "65"))),
    ("vocab_size a float", edit(put("model_config.vocab_size", 65.5))),
    ("vocab_size true", edit(put("model_config.vocab_size", True))),
    ("vocab_size 0", edit(put("model_config.vocab_size", 0))),
    ("vocab_size larger than the weights", edit(grow("model_config.vocab_size", 5))),
    ("n_head not dividing n_embd", edit(put("model_config.n_head", 3))),
    ("n_head 0", edit(put("model_config.n_head", 0))),
    ("n_embd negative", edit(put("model_config.n_embd", -16))),
    ("n_embd huge", edit(put("model_config.n_embd", 10**6))),
    ("block_size larger than the weights", edit(grow("model_config.block_size", 4))),
    ("n_layer larger than the weights", edit(grow("model_config.n_layer", 1))),
    ("dropout 2", edit(put("model_config.dropout", 2.0))),
    ("dropout a string", edit(put("model_config.dropout", "none"))),
    ("positional unknown", edit(put("model_config.positional", "rotary"))),
    ("score unknown", edit(put("model_config.score", "cubed"))),
    ("mask a number", edit(put("model_config.mask", 5))),
    ("mask the wrong size", edit(put("model_config.mask", [[True, False], [True, True]]))),
    ("bias a string", edit(put("model_config.bias", "no"))),
    ("residual a string", edit(put("model_config.residual", "yes"))),
    ("weights not a dict", edit(put("model", [1, 2]))),
    ("a weight missing", edit(lambda d: d["model"].pop("ln_f.weight"))),
    ("an extra weight", edit(weight("extra", torch.zeros(3)))),
    ("a weight of another shape", edit(weight("ln_f.weight", torch.ones(5)))),
    ("a weight that is text", edit(weight("ln_f.weight", "ones"))),
    ("a weight of whole numbers", edit(weight("ln_f.weight", torch.ones(16, dtype=torch.long)))),
    ("a NaN weight", edit(weight("ln_f.weight", torch.full((16,), float("nan"))))),
    ("tokenizer not a dict", edit(put("tokenizer", "chars"))),
    ("tokenizer of an unknown kind", edit(put("tokenizer.kind", "bytes"))),
    ("tokenizer chars not a list", edit(put("tokenizer.chars", 5))),
    ("tokenizer listing a char twice", edit(chars(lambda c: c.__setitem__(1, c[0])))),
    ("vocabulary larger than the weights", edit(chars(lambda c: c.append("€")))),
    ("vocabulary smaller than the weights", edit(chars(lambda c: c.pop()))),
    ("step negative", edit(put("step", -3))),
    ("step a float", edit(put("step", 1.5))),
    ("step a string", edit(put("step", "two"))),
    ("step true", edit(put("step", True))),
    ("step none", edit(put("step", None))),
]

# what resuming relies on beyond that: the run loaders refuse these too
RUN_CASES: list[tuple[str, Craft]] = [
    (f"no {key}", edit(drop(key)))
    for key in ("corpus", "history", "train_config", "optimizer", "rng")
] + [
    ("corpus not a dict", edit(put("corpus", "sample"))),
    ("corpus without its spec", edit(drop("corpus.spec"))),
    ("corpus spec a number", edit(put("corpus.spec", 5))),
    ("corpus spec naming a text not here", edit(put("corpus.spec", "/nonexistent/text.txt"))),
    ("corpus digest mismatch", edit(put("corpus.sha256", "0" * 64))),
    ("corpus digest missing", edit(drop("corpus.sha256"))),
    ("history not a list", edit(put("history", "none"))),
    ("history entry not a dict", edit(put("history.0", 3))),
    ("history entry without a loss", edit(drop("history.0.val_loss"))),
    ("history entry with a loss that is text", edit(put("history.0.val_loss", "low"))),
    ("history entry with an extra field", edit(put("history.0.note", 1))),
    ("train_config not a dict", edit(put("train_config", 5))),
    ("train_config with an unknown setting", edit(put("train_config.n_legs", 4))),
    ("max_iters a string", edit(put("train_config.max_iters", "ten"))),
    ("max_iters 0", edit(put("train_config.max_iters", 0))),
    ("learning_rate negative", edit(put("train_config.learning_rate", -1.0))),
    ("optimizer not a dict", edit(put("optimizer", [1]))),
    ("optimizer without param_groups", edit(drop("optimizer.param_groups"))),
    ("optimizer with one group too few", edit(lambda d: d["optimizer"]["param_groups"].pop())),
    ("optimizer state of another shape", edit(put("optimizer.state.0.exp_avg", torch.zeros(2, 2)))),
    ("optimizer state that is text", edit(put("optimizer.state.0.exp_avg", "zeros"))),
    ("optimizer betas text", edit(put("optimizer.param_groups.0.betas", "high"))),
    ("rng not a dict", edit(put("rng", 5))),
    ("rng without torch", edit(drop("rng.torch"))),
    ("rng torch of floats", edit(put("rng.torch", torch.zeros(5056)))),
    ("rng torch too short", edit(put("rng.torch", torch.zeros(10, dtype=torch.uint8)))),
    ("rng torch invalid", edit(put("rng.torch", torch.zeros(5056, dtype=torch.uint8)))),
    ("rng torch a list", edit(put("rng.torch", [1, 2, 3]))),
    ("rng batches too short", edit(put("rng.batches", torch.zeros(10, dtype=torch.uint8)))),
]


def position(epoch: object = 1, batch: object = 0) -> Callable[[dict], None]:
    return put("position", {"epoch": epoch, "batch": batch})


MLP_CASES: list[tuple[str, Craft]] = [
    (f"no {key}", edit(drop(key))) for key in ("config", "network", "position", "accuracy")
] + [
    ("config not a dict", edit(put("config", "book"))),
    ("config with an unknown setting", edit(put("config.n_legs", 4))),
    ("config sizes text", edit(put("config.sizes", "784,8,10"))),
    ("config sizes of text", edit(put("config.sizes", ["784", "8", "10"]))),
    ("config sizes other than the network's", edit(put("config.sizes", [784, 9, 10]))),
    ("config epochs 0", edit(put("config.epochs", 0))),
    ("config eta text", edit(put("config.eta", "fast"))),
    ("config cost unknown", edit(put("config.cost", "hinge"))),
    ("network not a dict", edit(put("network", [1]))),
    ("network sizes other than the config's", edit(put("network.sizes", [784, 9, 10]))),
    ("network sizes text", edit(put("network.sizes", "784,8,10"))),
    ("network activation unknown", edit(put("network.activation", "tanh"))),
    ("network activation other than the config's", edit(put("network.activation", "relu"))),
    ("network without biases", edit(drop("network.biases"))),
    ("network weights not a list", edit(put("network.weights", 5))),
    ("network with a layer of weights too few", edit(lambda d: d["network"]["weights"].pop())),
    ("network weight that is text", edit(put("network.weights.0", "ones"))),
    ("network weight of another shape", edit(put("network.weights.0", torch.zeros(8, 783)))),
    ("network weight NaN", edit(put("network.weights.0", torch.full((8, 784), float("nan"))))),
    ("position not a dict", edit(put("position", 1))),
    ("position epoch negative", edit(position(epoch=-1))),
    ("position epoch a float", edit(position(epoch=0.5))),
    ("position epoch beyond the run", edit(position(epoch=7))),
    ("position batch text", edit(position(epoch=0, batch="ten"))),
    ("position batch beyond the epoch", edit(position(epoch=0, batch=10**6))),
    ("accuracy not a list", edit(put("accuracy", 5))),
    ("accuracy entry of three", edit(put("accuracy", [[1, 2, 3]]))),
    ("accuracy entry of text", edit(put("accuracy", [["a", "b"]]))),
    ("accuracy of no digits", edit(put("accuracy", [[0, 0]]))),
    ("accuracy more than all", edit(put("accuracy", [[101, 100]]))),
]


def make(craft: Craft, good: Path, out: Path) -> Path:
    craft(torch.load(good, weights_only=True), good, out)
    return out


def refused_by_engine(load: Callable[[Path], object], path: Path) -> None:
    with pytest.raises(CheckpointError) as err:
        load(path)
    said = str(err.value)
    assert "\n" not in said and path.name in said, said


def refused_by_cli(capsys, args: list[str], path: Path) -> str:
    with pytest.raises(SystemExit) as done:
        main(args)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert done.value.code not in (0, None), (out, err)
    assert len(lines) == 1 and lines[0].startswith("learn-gpt:"), err
    assert "Traceback" not in err and path.name in err, err
    return lines[0]


def cases(*groups: list[tuple[str, Craft]]) -> Any:
    return pytest.mark.parametrize(
        "craft", [pytest.param(c, id=name) for group in groups for name, c in group]
    )


SAMPLE = ["-n", "3", "--threads", "1", "--device", "cpu"]
RESUME = ["--max-iters", "3", "--threads", "1", "--device", "cpu"]


# -- the engine ------------------------------------------------------------------------------
@cases(FILE_CASES, MODEL_CASES)
def test_load_model_refuses(craft, good, tmp_path):
    refused_by_engine(load_model, make(craft, good["run"], tmp_path / "broken.pt"))


@cases(FILE_CASES, MODEL_CASES, RUN_CASES)
def test_resuming_a_gpt_run_refuses(craft, good, tmp_path):
    refused_by_engine(GPTRun.load, make(craft, good["run"], tmp_path / "broken.pt"))


@cases(FILE_CASES, MLP_CASES)
def test_resuming_a_digit_run_refuses(craft, good, small_digits, tmp_path):
    path = make(craft, good["mlp"], tmp_path / "broken.pt")
    refused_by_engine(lambda p: MLPRun.load(p, small_digits), path)


# -- the command line ------------------------------------------------------------------------
@cases(FILE_CASES, MODEL_CASES)
def test_sample_refuses(craft, good, tmp_path, capsys):
    path = make(craft, good["model"], tmp_path / "broken.pt")
    refused_by_cli(capsys, ["sample", str(path), *SAMPLE], path)


@cases(FILE_CASES, MODEL_CASES, RUN_CASES)
def test_train_gpt_resume_refuses(craft, good, tmp_path, capsys):
    path = make(craft, good["run"], tmp_path / "broken.pt")
    refused_by_cli(capsys, ["train", "gpt", "--resume", str(path), *RESUME], path)


@cases(FILE_CASES, MLP_CASES)
def test_train_mlp_resume_refuses(craft, good, tmp_path, capsys):
    path = make(craft, good["mlp"], tmp_path / "broken.pt")
    refused_by_cli(capsys, ["train", "mlp", "--resume", str(path), "--device", "cpu"], path)


@pytest.mark.parametrize("which", ["model", "shipped"])
def test_a_model_only_file_is_not_a_run_to_resume(which, good, tmp_path, capsys):
    path = tmp_path / "model.pt"
    shutil.copy(good["model"] if which == "model" else PRETRAINED_GPT, path)
    with pytest.raises(CheckpointError, match=MODEL_ONLY):
        GPTRun.load(path)
    said = refused_by_cli(capsys, ["train", "gpt", "--resume", str(path), *RESUME], path)
    assert said == f"learn-gpt: {path} {MODEL_ONLY}"


SUBPROCESS_CASES = [
    ("sample", "model", "a forbidden global"),  # torch warns before refusing it: not here
    ("train gpt --resume", "run", "rng torch invalid"),
    ("train mlp --resume", "mlp", "position epoch negative"),
]


@pytest.mark.parametrize(("command", "base", "case"), SUBPROCESS_CASES, ids=str)
def test_the_command_in_a_process_of_its_own_says_one_line(command, base, case, good, tmp_path):
    """As a learner runs it: a process of its own, so nothing of pytest's hides a warning."""
    craft = dict(FILE_CASES + MODEL_CASES + RUN_CASES + MLP_CASES)[case]
    path = make(craft, good[base], tmp_path / "broken.pt")
    done = subprocess.run(
        [sys.executable, "-m", "learn_gpt", *command.split(), str(path), "--device", "cpu"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and done.stdout == "", done
    assert done.stderr.startswith("learn-gpt: ") and done.stderr.count("\n") == 1, done.stderr


def test_the_good_files_load(good, small_digits, tmp_path, capsys):
    """The sweep's files are broken, not its loaders: each good file loads everywhere."""
    assert load_model(good["model"])[0].config.n_layer == 1
    assert GPTRun.load(good["run"]).step == 2
    assert MLPRun.load(good["mlp"], small_digits).finished
    run = shutil.copy(good["run"], tmp_path / "run.pt")
    for args in (
        ["sample", str(good["model"]), *SAMPLE],
        ["train", "gpt", "--resume", str(run), *RESUME],
    ):
        with pytest.raises(SystemExit) as done:
            main(args)
        assert done.value.code == 0, capsys.readouterr().err
    assert GPTRun.load(run).step == 3


# -- the app ---------------------------------------------------------------------------------
GPT_TUI_CASES = [
    ("truncated", written(lambda b: b[: len(b) // 2])),
    ("config not a dict", edit(put("model_config", "tiny"))),
    ("vocab_size a float", edit(put("model_config.vocab_size", 65.5))),
    ("weights not a dict", edit(put("model", [1, 2]))),
]
RUN_TUI_CASES = [  # a run that cannot resume: the pane opens it as a model to generate from
    ("history entry without a loss", edit(drop("history.0.val_loss"))),
    ("rng torch a list", edit(put("rng.torch", [1, 2, 3]))),
]


async def open_file(pilot, path: Path) -> None:
    """ctrl+o, the path, enter: as a learner opens a checkpoint in either pane."""
    await pilot.press("ctrl+o")
    await pilot.pause()
    pilot.app.screen.query_one("#path-input", Input).value = str(path)
    await pilot.press("enter")


def said(app, path: Path) -> list[str]:
    return [str(n.message) for n in app._notifications if path.name in str(n.message)]


def gpt_text(screen) -> str:
    return str(screen.query_one("#copy-gpt-losses", Static).render())


async def test_the_sampling_pane_says_what_is_wrong_in_one_line_and_goes_on(
    good, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    async with opened("sampling", (100, 30)) as pilot:
        app, screen = pilot.app, pilot.app.screen
        for i, (name, craft) in enumerate(GPT_TUI_CASES + RUN_TUI_CASES):
            path = make(craft, good["run"], tmp_path / f"broken-{i}.pt")
            await open_file(pilot, path)
            await until(pilot, partial(said, app, path), timeout=20, what=name)
            await until(pilot, lambda: screen.job.idle, timeout=20, what=name)
            assert app.is_running and app.screen is screen, name
            assert all("\n" not in line for line in said(app, path)), said(app, path)
        await open_file(pilot, good["run"])
        await until(pilot, lambda: screen.run is not None and screen.run.step == 2)


async def test_inside_a_gpt_says_what_is_wrong_in_one_line_and_goes_on(good, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    async with opened("copying", (120, 36)) as pilot:
        app, screen = pilot.app, pilot.app.screen
        view = screen.query_one(InsideView)
        for i, (name, craft) in enumerate(GPT_TUI_CASES):
            path = make(craft, good["model"], tmp_path / f"broken-{i}.pt")
            await open_file(pilot, path)
            await until(pilot, lambda: view.job.idle and "Loading" not in gpt_text(screen))
            assert app.is_running and app.screen is screen, name
            shown = gpt_text(screen)
            assert path.name in shown and "\n" not in shown.strip(), shown
        await open_file(pilot, good["model"])
        await until(pilot, lambda: view.look_shown is not None and len(view.look_shown.scores) == 2)


# -- the number translator -------------------------------------------------------------------
@pytest.fixture(scope="module")
def good_translator(tmp_path_factory) -> Path:
    """A small untrained translator in full precision (a change of 1e-3 to a weight stays one)."""
    from engine.tasks.translator import KIND, new_model

    torch.manual_seed(0)
    model = new_model(n_embd=16, n_head=2, n_encoder_layer=1, n_decoder_layer=1)
    path = tmp_path_factory.mktemp("good") / "numbers-seq2seq.pt"
    vocabularies = {
        "source_vocab": list(model.source_vocab.tokens),
        "target_vocab": list(model.target_vocab.tokens),
    }
    checkpoint.save_model(path, KIND, model, half=False, step=0, **vocabularies)
    return path


# "another kind" is a seq2seq file for every other loader: here it is a GPT
TRANSLATOR_FILE_CASES = [case for case in FILE_CASES if case[0] != "another kind"] + [
    ("another kind", edit(put("kind", "gpt"))),
]
TRANSLATOR_CASES: list[tuple[str, Craft]] = [
    (f"no {key}", edit(drop(key)))
    for key in ("model_config", "model", "source_vocab", "target_vocab", "step")
] + [
    ("config not a dict", edit(put("model_config", [16]))),
    ("config with an unknown setting", edit(put("model_config.n_legs", 4))),
    ("config without source_vocab_size", edit(drop("model_config.source_vocab_size"))),
    ("source_vocab_size a string", edit(put("model_config.source_vocab_size", "30"))),
    ("source_vocab_size a float", edit(put("model_config.source_vocab_size", 30.5))),
    ("target_vocab_size true", edit(put("model_config.target_vocab_size", True))),
    ("target_vocab_size 0", edit(put("model_config.target_vocab_size", 0))),
    ("target_vocab_size past its vocabulary", edit(grow("model_config.target_vocab_size", 1))),
    ("n_head not dividing n_embd", edit(put("model_config.n_head", 3))),
    ("n_embd negative", edit(put("model_config.n_embd", -16))),
    ("n_embd huge", edit(put("model_config.n_embd", 10**6))),
    ("source_block_size larger than the weights", edit(grow("model_config.source_block_size", 4))),
    ("n_encoder_layer larger than the weights", edit(grow("model_config.n_encoder_layer", 1))),
    ("n_decoder_layer huge", edit(put("model_config.n_decoder_layer", 10**9))),
    ("dropout 2", edit(put("model_config.dropout", 2.0))),
    ("dropout a string", edit(put("model_config.dropout", "none"))),
    ("bias a string", edit(put("model_config.bias", "no"))),
    ("positional unknown", edit(put("model_config.positional", "rotary"))),
    ("positional other than the weights'", edit(put("model_config.positional", "sinusoidal"))),
    ("weights not a dict", edit(put("model", [1, 2]))),
    ("a weight missing", edit(lambda d: d["model"].pop("decoder.ln_f.weight"))),
    ("an extra weight", edit(weight("extra", torch.zeros(3)))),
    ("a weight of another shape", edit(weight("decoder.ln_f.weight", torch.ones(5)))),
    ("a weight that is text", edit(weight("decoder.ln_f.weight", "ones"))),
    ("a weight of whole numbers", edit(weight("encoder.ln_f.weight", torch.ones(16).long()))),
    ("a NaN weight", edit(weight("encoder.ln_f.weight", torch.full((16,), float("nan"))))),
    ("source_vocab not a list", edit(put("source_vocab", "zero one two"))),
    ("source_vocab of numbers", edit(put("source_vocab.0", 0))),
    ("source_vocab listing a word twice", edit(put("source_vocab.1", "zero"))),
    ("target_vocab without the end marker", edit(put("target_vocab.2", "</end>"))),
    ("step negative", edit(put("step", -3))),
    ("step a float", edit(put("step", 1.5))),
    ("step a string", edit(put("step", "two"))),
    ("step none", edit(put("step", None))),
]


@cases(TRANSLATOR_FILE_CASES, TRANSLATOR_CASES)
def test_loading_a_translator_refuses(craft, good_translator, tmp_path):
    from engine.tasks.translator import load_translator

    refused_by_engine(load_translator, make(craft, good_translator, tmp_path / "broken.pt"))


def test_the_good_translator_loads(good_translator):
    from engine.tasks.translator import load_translator

    assert load_translator(good_translator).config.n_embd == 16


TRANSLATOR_TUI_CASES = [
    ("weights not a dict", edit(put("model", [1, 2]))),  # a TypeError once: it ended the app
    ("a NaN weight", edit(weight("encoder.ln_f.weight", torch.full((16,), float("nan"))))),
    ("step a string", edit(put("step", "two"))),
]


def translated_text(screen) -> str:
    return str(screen.query_one("#tr-result").render())


def translation_failed(view, path: Path) -> bool:
    return view.job.idle and path.name in translated_text(view.screen)


async def test_the_translate_tab_says_what_is_wrong_in_one_line_and_goes_on(
    good_translator, tmp_path, monkeypatch
):
    from tui.panes.attention.translation_view import TranslationView

    monkeypatch.chdir(tmp_path)
    Path("runs").mkdir()
    broken = [
        make(craft, good_translator, Path("runs") / f"broken-{i}-seq2seq.pt")
        for i, (_, craft) in enumerate(TRANSLATOR_TUI_CASES)
    ]
    async with opened("attention", (120, 36)) as pilot:
        app, screen = pilot.app, pilot.app.screen
        view = screen.query_one(TranslationView)
        await pilot.press("d")  # the Translate tab: the shipped translator, and runs/ offered
        await until(pilot, lambda: view.translation is not None and view.job.idle)
        for path in broken:
            screen.query_one("#tr-model", Select).value = str(path)
            await until(pilot, partial(translation_failed, view, path))
            assert app.is_running and app.screen is screen, path
            assert "\n" not in translated_text(screen).strip(), translated_text(screen)
