"""The class exercises (the lecture's Head, MultiHeadAttention, FeedForward, Block, LayerNorm):
a right class passes whatever its arithmetic, each known mistake is named, and a piece whose
weights do not load, that ignores the classes it is given, or calls torch's own layer norm is
told so. The child-process round trip of every `_ok` file is in tests/test_exercises.py."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import pytest

from engine import ladder_pieces
from engine.exercise_checks.runner import check_file, check_function, exercise_module, load_module
from engine.exercises import EXERCISES

FIXTURES = Path(__file__).parent / "exercise_mistakes"
CLASSES = ("head", "multi_head", "feed_forward", "block", "layer_norm")

# (fixture, exercise, a word its hint must contain)
MISTAKES = [
    ("head_no_mask", "head", "nothing is masked"),
    ("head_anti_causal", "head", "wrong side"),
    ("head_no_scale", "head", "not scaled"),
    ("head_scale_n_embd", "head", "1/√n_embd"),
    ("head_softmax_over_queries", "head", "over the queries"),
    ("multi_head_no_proj", "multi_head", "projection is missing"),
    ("multi_head_interleaved", "multi_head", "wrong dim"),
    ("feed_forward_relu_after_last", "feed_forward", "after the last linear"),
    ("feed_forward_residual", "feed_forward", "the Block's"),
    ("layer_norm_over_the_batch", "layer_norm", "over the batch"),
    ("layer_norm_unbiased", "layer_norm", "unbiased"),
    ("layer_norm_eps_outside", "layer_norm", "outside the square root"),
    ("layer_norm_no_affine", "layer_norm", "gamma and beta are not used"),
    ("block_no_residual", "block", "neither residual"),
    ("block_post_norm", "block", "post-norm"),
    ("block_ffwd_first", "block", "before the attention"),
]


def test_the_class_exercises_come_after_the_functions_in_the_ladders_order():
    assert tuple(EXERCISES)[-5:] == CLASSES
    assert all(hasattr(exercise_module(name), "adapt") for name in CLASSES)


@pytest.mark.parametrize("name", CLASSES)
def test_the_right_class_passes_with_its_own_arithmetic(name):
    """The `_ok` files differ from the engine inside (head: / √hs and a mask made in forward;
    layer_norm: rsqrt of the mean square), and the engine's own class passes too."""
    report = check_file(name, FIXTURES / f"{name}_ok.py")
    assert report["status"] == "passed", report
    assert report["cases_run"] == report["cases_total"] >= 7
    module = exercise_module(name)
    engine_class = getattr(ladder_pieces, module.FUNCTION)
    assert check_function(name, module.adapt(engine_class))["status"] == "passed"


@pytest.mark.parametrize("stem,name,word", MISTAKES)
def test_each_mistake_fails_with_its_hint(stem, name, word):
    report = check_file(name, FIXTURES / f"{stem}.py")
    assert report["status"] == "mismatch", report
    assert report["lines"][0].startswith(f"case {report['cases_run']} of {report['cases_total']}:")
    assert len(report["hints"]) == 1, report["hints"]
    assert word in report["hints"][0]


@pytest.mark.parametrize("name", CLASSES)
def test_every_stub_declares_the_engines_constructor_and_is_not_written(name):
    module = exercise_module(name)
    stub = getattr(load_module(EXERCISES[name].stub, f"stub_{name}"), module.FUNCTION)
    engine_class = getattr(ladder_pieces, module.FUNCTION)

    def constructor(cls: type) -> list[tuple[str, object]]:
        return [(p.name, p.default) for p in inspect.signature(cls).parameters.values()]

    assert constructor(stub) == constructor(engine_class)
    assert module.SIGNATURE.startswith(f"{module.FUNCTION}({constructor(stub)[0][0]}, ")
    assert stub.__doc__ and "forward(x)" in stub.__doc__
    assert "(the check loads the weights by name)" in stub.__doc__
    report = check_file(name, EXERCISES[name].stub)
    assert report["status"] == "not_written", report
    assert report["lines"][0].startswith(f"{module.FUNCTION} is not written yet")


def test_weights_that_do_not_load_name_what_the_stub_asks_for():
    no_relu = check_file("feed_forward", FIXTURES / "feed_forward_no_relu.py")
    assert no_relu["status"] == "mismatch"
    assert "missing net.2.bias, net.2.weight" in no_relu["lines"][1]
    assert "not in the reference: net.1.bias, net.1.weight" in no_relu["lines"][1]
    assert "nn.ReLU(), nn.Linear(4 * n_embd, n_embd)" in no_relu["lines"][2]
    narrow = check_file("feed_forward", FIXTURES / "feed_forward_no_4x.py")
    assert "net.0.weight has shape (16, 16), the reference's (64, 16)" in narrow["lines"][1]


def test_summed_heads_fail_on_the_projection_with_the_join_as_hint():
    report = check_file("multi_head", FIXTURES / "multi_head_summed.py")
    assert report["status"] == "error"
    assert "cannot be multiplied" in report["lines"][1]
    assert any("torch.cat([h(x) for h in self.heads], dim=-1)" in h for h in report["hints"])


@pytest.mark.parametrize(
    "stem,name,said",
    [
        ("multi_head_own_head", "multi_head", "`head=`"),
        ("block_own_classes", "block", "`attention=`, `feed_forward=`"),
        ("layer_norm_torch", "layer_norm", "torch's own layer norm"),
    ],
)
def test_a_further_check_refuses_what_every_case_would_let_pass(stem, name, said):
    report = check_file(name, FIXTURES / f"{stem}.py")
    assert report["status"] == "mismatch"
    assert report["lines"][0].endswith("cases match, but a further check does not:")
    assert said in report["lines"][1]


def test_a_class_that_is_missing_not_a_module_or_not_initialised_is_a_report(tmp_path):
    missing = tmp_path / "a.py"
    missing.write_text("def head(x):\n    return x\n")
    report = check_file("head", missing)
    assert report["status"] == "no_function"
    assert report["lines"] == ["a.py has no class `Head`: keep the stub's `class Head(nn.Module)`"]
    plain = tmp_path / "b.py"
    plain.write_text("class Head:\n    pass\n")
    report = check_file("head", plain)
    assert report["status"] == "no_function"
    assert "not an nn.Module class" in report["lines"][0]
    no_super = tmp_path / "c.py"
    no_super.write_text(
        textwrap.dedent(
            """
            from torch import nn

            class FeedForward(nn.Module):
                def __init__(self, n_embd, dropout=0.0):
                    self.net = nn.Sequential(nn.Linear(n_embd, 4 * n_embd))
            """
        )
    )
    report = check_file("feed_forward", no_super)
    assert report["status"] == "error"
    assert report["hints"] == [
        "call super().__init__() first in __init__, before assigning any layer"
    ]


def test_the_wrong_constructor_is_told_the_stubs_signature(tmp_path):
    path = tmp_path / "layer_norm.py"
    path.write_text(
        "from torch import nn\n\nclass LayerNorm(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
    )
    report = check_file("layer_norm", path)
    assert report["status"] == "error"
    assert report["lines"][-1] == "keep the stub's signature: LayerNorm(dim, eps=1e-5)"


def test_start_then_check_head_through_the_command_line(tmp_path, monkeypatch, capsys):
    from tui.cli.app import main

    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as stopped:
            main(list(args))
        return stopped.value.code, " ".join(capsys.readouterr().out.split())

    code, out = run("exercise", "start", "head")
    assert code == 0 and "exercise check head" in out
    assert (tmp_path / "head.py").read_text() == EXERCISES["head"].stub.read_text()
    code, out = run("exercise", "check", "head")
    assert code == 1 and "head is not written yet" in out
    (tmp_path / "head.py").write_text((FIXTURES / "head_ok.py").read_text())
    code, out = run("exercise", "check", "head")
    assert code == 0 and "head passes: all 8 cases match the reference" in out
