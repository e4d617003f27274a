"""Data: MNIST digits and text corpora, bundled samples, the cache and downloads."""
