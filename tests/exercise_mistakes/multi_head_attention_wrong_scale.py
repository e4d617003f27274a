"""Mistake: scores scaled by 1/sqrt(C) instead of 1/sqrt(head size)."""

import math

import torch


def multi_head_attention(x, w_qkv, w_proj, n_head):
    B, T, C = x.shape
    hs = C // n_head
    q, k, v = (x @ w_qkv).split(C, dim=-1)
    q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in (q, k, v))
    scores = q @ k.transpose(-2, -1) / math.sqrt(C)
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    weights = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
    y = (weights @ v).transpose(1, 2).reshape(B, T, C)
    return y @ w_proj
