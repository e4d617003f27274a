"""Mistake: top-k zeroes the other probabilities but does not renormalise."""

import torch


def sample(logits, temperature, top_k, generator):
    if temperature > 0:
        logits = logits / temperature
    probs = torch.softmax(logits, dim=-1)
    if top_k is not None and top_k < logits.numel():
        kth = torch.topk(probs, top_k).values[-1]
        probs = probs.masked_fill(probs < kth, 0.0)
    if temperature == 0:
        return int(probs.argmax()), probs
    return int(torch.multinomial(probs, 1, generator=generator)), probs
