"""Device choice (cuda, then mps, then cpu) and the thread policy, tested without a GPU."""

from __future__ import annotations

import pytest

from engine.device import DeviceError, default_threads, pick_device, use_threads
from engine.errors import ConfigError


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
