"""A correct sample: temperature, top-k, one draw with the generator."""

import torch


def sample(logits, temperature, top_k, generator):
    if temperature > 0:
        logits = logits / temperature
    if top_k is not None and top_k < logits.numel():
        kth = torch.topk(logits, top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    if temperature == 0:
        return int(probs.argmax()), probs
    return int(torch.multinomial(probs, 1, generator=generator)), probs
