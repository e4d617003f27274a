"""Mistake: no 1/sqrt(d) scale."""

import torch


def attention(q, k, v, causal=True):
    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1)
    if causal:
        future = torch.ones(T, T, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
