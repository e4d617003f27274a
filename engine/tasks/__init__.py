"""The toy tasks: generated data, a model and its training for each, one shared training loop.

- pizza sentences: `sentences` (the data), `referent` (a word GPT names what "it" is);
- number words to digits: `numbers` (the data), `seq2seq_model` (an encoder-decoder
  transformer), `translator` (training it and translating with it);
- `runner`: the training loop, seeded draws and task digests both share.
"""
