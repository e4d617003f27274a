"""Mistake: the mask hides the past (anti-causal)."""

import math

import torch


def attention(q, k, v, causal=True):
    T, d = q.shape[-2], q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    if causal:
        past = torch.ones(T, T, dtype=torch.bool).tril(-1)
        scores = scores.masked_fill(past, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
