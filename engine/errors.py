"""The engine's error types: problems a learner can fix, each with a one-line message.

Front ends print `str(error)` and exit non-zero; they never show a traceback for these.
"""


class EngineError(Exception):
    """A problem with the learner's input or files; str(e) is one line."""


class ConfigError(EngineError, ValueError):
    """An invalid setting (a negative eta, sizes that do not fit the data, ...)."""
