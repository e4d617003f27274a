"""Device choice (cuda, then mps, then cpu) and the thread policy, tested without a GPU; the
app's --device (refused in one line, passed on to the app and to serve's tabs), and the engine
making its tensors where the model is."""

from __future__ import annotations

import subprocess
import sys
from functools import partial
from types import SimpleNamespace

import pytest

from engine.device import DeviceError, default_threads, pick_device, use_threads
from engine.errors import ConfigError
from tui.cli import main


def machine(*devices: str, cuda_devices: int = 1):
    return {"has": lambda d: d in devices or d == "cpu", "cuda_count": lambda: cuda_devices}


@pytest.mark.parametrize(
    "offers,expected",
    [((), "cpu"), (("mps",), "mps"), (("cuda",), "cuda"), (("cuda", "mps"), "cuda")],
)
def test_auto_prefers_cuda_then_mps_then_cpu(offers, expected):
    assert pick_device(None, **machine(*offers)) == expected
    assert pick_device("auto", **machine(*offers)) == expected


def test_an_explicit_device_is_used_or_refused():
    assert pick_device("cpu", **machine("cuda")) == "cpu"
    assert pick_device("cuda:1", **machine("cuda", cuda_devices=2)) == "cuda:1"
    with pytest.raises(DeviceError, match="cuda is not available"):
        pick_device("cuda", **machine())
    with pytest.raises(DeviceError, match="cuda:2 does not exist"):
        pick_device("cuda:2", **machine("cuda", cuda_devices=2))
    with pytest.raises(ConfigError, match="unknown device 'tpu'"):
        pick_device("tpu", **machine())
    with pytest.raises(ConfigError, match="unknown device"):
        pick_device("mps:0", **machine("mps"))


def test_this_machine_really_has_a_cpu():
    assert pick_device("cpu") == "cpu"
    assert pick_device() in ("cuda", "mps", "cpu")


def test_thread_policy_leaves_a_core_free(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    small = ("mlp", "ladder", "induction", "toy", "exercise")
    assert [default_threads(workload) for workload in small] == [1] * len(small)
    assert default_threads("gpt") == 7
    monkeypatch.setattr("os.cpu_count", lambda: 2)  # the busy-laptop case bench/threads.py times
    assert default_threads("gpt") == 1
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert default_threads("gpt") == 1


def test_use_threads_pins_torch():
    import torch

    try:
        assert use_threads(2) == 2
    finally:
        torch.set_num_threads(1)
    with pytest.raises(ConfigError):
        use_threads(0)


# -- the app's --device ----------------------------------------------------------------------
@pytest.fixture
def started(monkeypatch) -> list[str]:
    """The device of each app the command line starts; none of them runs."""
    from tui.app import LearnGPTApp

    devices: list[str] = []
    monkeypatch.setattr(LearnGPTApp, "run", lambda app: devices.append(app.device))
    return devices


def offers(monkeypatch, *devices: str, cuda_devices: int = 1) -> None:
    """pick_device answering as a machine with `devices` (and a CPU) would."""
    fake = partial(pick_device, **machine(*devices, cuda_devices=cuda_devices))
    monkeypatch.setattr("engine.device.pick_device", fake)


def cli(capsys, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    return done.value.code, capsys.readouterr().err


@pytest.mark.parametrize(
    "offered,args,code,said",
    [
        ((), ["--device", "cuda"], 1, "device cuda is not available on this machine"),
        (("cuda",), ["--device", "cuda:1"], 1, "cuda:1 does not exist: this machine has 1"),
        ((), ["--device", "mps"], 1, "device mps is not available on this machine"),
        ((), ["--device", "bogus"], 2, "error: unknown device 'bogus'"),
        ((), ["serve", "--device", "cuda"], 1, "device cuda is not available on this machine"),
    ],
)
def test_a_device_this_machine_cannot_use_is_one_line_and_nothing_starts(
    offered, args, code, said, monkeypatch, capsys, started
):
    offers(monkeypatch, *offered)
    monkeypatch.setattr("tui.cli.serve.make_server", lambda *a: pytest.fail("serving started"))
    exit_code, err = cli(capsys, *args)
    assert exit_code == code and started == []
    assert len(err.strip().splitlines()) == 1 and err.startswith("learn-gpt: ") and said in err


@pytest.mark.parametrize(
    "args,device", [([], "auto"), (["--device", "cpu"], "cpu"), (["--device", "cuda:1"], "cuda:1")]
)
def test_the_app_is_given_the_device(args, device, monkeypatch, capsys, started):
    offers(monkeypatch, "cuda", cuda_devices=2)
    assert cli(capsys, *args) == (0, "")
    assert started == [device]


def test_auto_and_a_bad_name_are_answered_without_importing_torch():
    """torch takes seconds to import: "auto" is resolved by the app once its first frame is up,
    and a name that is no device is refused before anything asks torch."""
    code = (
        "import sys\n"
        "from tui.app import LearnGPTApp\n"
        "from tui.cli import main\n"
        "LearnGPTApp.run = lambda app: print('app on', app.device)\n"
        "for args in (['--device', 'bogus'], ['--device', 'auto']):\n"
        "    try:\n        main(args)\n    except SystemExit as done:\n"
        "        print('exit', done.code)\n"
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["exit 2", "app on auto", "exit 0", "False"], done
    assert done.stderr.count("\n") == 1 and "unknown device 'bogus'" in done.stderr


def test_serve_passes_the_device_on_to_each_tab():
    from tui.cli.serve import app_command

    assert app_command("lab", None, None).endswith("--pane lab")
    assert app_command("lab", None, None, "auto").endswith("--pane lab")
    assert app_command("lab", None, 1, "cuda:1").endswith("--pane lab --threads 1 --device cuda:1")


# -- the engine's tensors go where the model is ----------------------------------------------
def test_any_rank_reduces_its_flag_on_the_runs_device(monkeypatch):
    """NCCL, the backend on cuda, reduces CUDA tensors only. Here the run stands on the meta
    device (no numbers, so any device but the CPU shows it) and all_reduce is a stand-in that
    notes where its tensor is, then stops."""
    import torch
    import torch.distributed as dist

    from engine.gpt_run import GPTRun

    class Reduced(Exception):
        pass

    seen: list[torch.device] = []

    def all_reduce(tensor: torch.Tensor, op: object) -> None:
        seen.append(tensor.device)
        raise Reduced

    monkeypatch.setattr(dist, "all_reduce", all_reduce)
    with pytest.raises(Reduced):
        GPTRun.any_rank(SimpleNamespace(world=2, device="meta"), True)
    assert seen == [torch.device("meta")]


def test_the_translators_inputs_are_made_on_its_device():
    from engine.tasks.translator import _source_ids, encode_batch, new_model

    model = new_model(n_embd=16, n_head=2, n_encoder_layer=1, n_decoder_layer=1).to("meta")
    made = [*encode_batch(model, [342, 451]), _source_ids(model, "forty two")[1]]
    assert [t.device.type for t in made] == ["meta"] * 4
