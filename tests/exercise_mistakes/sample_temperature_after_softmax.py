"""Mistake: the probabilities are divided by the temperature, after the softmax."""

import torch


def sample(logits, temperature, top_k, generator):
    if top_k is not None and top_k < logits.numel():
        kth = torch.topk(logits, top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    if temperature == 0:
        return int(probs.argmax()), probs
    probs = probs / temperature
    return int(torch.multinomial(probs, 1, generator=generator)), probs
