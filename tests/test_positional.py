"""Position vectors: the sinusoidal table against the formula by hand, learned, none."""

from __future__ import annotations

import math

import pytest
import torch

from engine.errors import ConfigError
from engine.positional import POSITIONALS, PositionalEncoding, sinusoidal_table


def test_sinusoidal_position_zero_is_sin0_cos0():
    table = sinusoidal_table(4, 8)
    assert table.shape == (4, 8)
    assert table.dtype == torch.float32
    assert table[0].tolist() == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]


def test_sinusoidal_entries_match_the_formula_by_hand():
    table = sinusoidal_table(16, 8)
    assert table[1, 0].item() == pytest.approx(math.sin(1.0), abs=1e-7)
    assert table[1, 1].item() == pytest.approx(math.cos(1.0), abs=1e-7)
    angle = 5 / 10000 ** (2 / 8)  # pos 5, pair i = 1 (dims 2 and 3)
    assert table[5, 2].item() == pytest.approx(math.sin(angle), abs=1e-7)
    assert table[5, 3].item() == pytest.approx(math.cos(angle), abs=1e-7)
    angle = 11 / 10000 ** (6 / 8)  # pos 11, pair i = 3 (dims 6 and 7): the slowest wave
    assert table[11, 6].item() == pytest.approx(math.sin(angle), abs=1e-7)
    assert table[11, 7].item() == pytest.approx(math.cos(angle), abs=1e-7)


def test_sinusoidal_whole_table_equals_the_formula():
    block_size, d_model = 10, 6
    table = sinusoidal_table(block_size, d_model)
    for pos in range(block_size):
        for dim in range(d_model):
            two_i = dim - dim % 2
            angle = pos / 10000 ** (two_i / d_model)
            expected = math.sin(angle) if dim % 2 == 0 else math.cos(angle)
            assert table[pos, dim].item() == pytest.approx(expected, abs=1e-6)


def test_sinusoidal_odd_d_model_ends_on_a_sine():
    table = sinusoidal_table(7, 5)
    assert table.shape == (7, 5)
    angle = 3 / 10000 ** (4 / 5)  # dim 4 = 2i with i = 2
    assert table[3, 4].item() == pytest.approx(math.sin(angle), abs=1e-7)
    assert table[0].tolist() == [0.0, 1.0, 0.0, 1.0, 0.0]


def test_sinusoidal_rows_are_distinct():
    table = sinusoidal_table(64, 16)
    assert torch.cdist(table, table).add(torch.eye(64)).min() > 1e-3


def test_sinusoidal_module_is_a_buffer_not_saved():
    pe = PositionalEncoding("sinusoidal", 12, 8)
    assert pe.kind == "sinusoidal"
    assert list(pe.parameters()) == []
    assert pe.state_dict() == {}
    out = pe(torch.arange(5))
    assert out.shape == (5, 8)
    torch.testing.assert_close(out, sinusoidal_table(12, 8)[:5])
    assert pe.double()(torch.arange(3)).dtype == torch.float64


def test_learned_is_trainable_and_saved():
    torch.manual_seed(0)
    pe = PositionalEncoding("learned", 32, 64)
    assert pe.kind == "learned"
    assert isinstance(pe.table, torch.nn.Embedding)
    assert set(pe.state_dict()) == {"table.weight"}
    weight = pe.table.weight
    assert weight.shape == (32, 64) and weight.requires_grad
    assert weight.std().item() == pytest.approx(0.02, rel=0.1)
    out = pe(torch.tensor([3, 0, 3]))
    torch.testing.assert_close(out[0], weight[3])
    torch.testing.assert_close(out[2], weight[3])
    out.sum().backward()
    assert weight.grad is not None
    assert weight.grad[3].eq(2).all() and weight.grad[0].eq(1).all() and weight.grad[1].eq(0).all()


def test_none_gives_zeros_of_the_module_dtype():
    pe = PositionalEncoding("none", 8, 4)
    assert pe.kind == "none"
    assert list(pe.parameters()) == [] and pe.state_dict() == {}
    out = pe(torch.arange(6))
    assert out.shape == (6, 4) and out.dtype == torch.float32
    assert out.eq(0).all()
    assert pe.double()(torch.arange(2)).dtype == torch.float64


@pytest.mark.parametrize("kind", POSITIONALS)
def test_batched_positions(kind):
    pe = PositionalEncoding(kind, 8, 4)
    pos = torch.arange(6).expand(3, 6)
    assert pe(pos).shape == (3, 6, 4)


@pytest.mark.parametrize("kind", POSITIONALS)
def test_too_many_positions_is_a_config_error(kind):
    pe = PositionalEncoding(kind, 4, 4)
    with pytest.raises(ConfigError, match="block_size 4"):
        pe(torch.arange(5))


def test_unknown_kind_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        PositionalEncoding("rotary", 8, 4)
    message = str(info.value)
    assert "rotary" in message and "sinusoidal" in message and "\n" not in message


def test_sizes_must_be_positive():
    with pytest.raises(ConfigError):
        PositionalEncoding("learned", 0, 4)
