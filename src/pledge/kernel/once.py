"""`once`: functools.cache for an expensive initialiser (a tokenizer's dictionary, a model, a
lexicon) that several threads may call first at the same moment.

functools.cache is safe to call from many threads, but it does not make the others wait: each
thread that misses builds its own value. A review builds two jieba tokenizers on first use
(0.86 s and 0.77 s of CPU); twenty concurrent first reviews took 25.6 s in a CI run, and eight
threads making their first tokenizer call at once took 8.2 s with functools.cache and 0.8 s
with `once`. With `once`, the first caller builds while the others wait for its value."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Generic, ParamSpec, TypeVar, cast

T = TypeVar("T")
P = ParamSpec("P")


class _Once(Generic[T]):
    def __init__(self, build: Callable[..., T]) -> None:
        self._build = build
        self._values: dict[tuple[Hashable, ...], T] = {}
        self._lock = threading.Lock()
        functools.update_wrapper(self, build)

    def __call__(self, *args: Hashable) -> T:
        try:
            return self._values[args]
        except KeyError:
            pass
        with self._lock:
            if args not in self._values:
                self._values[args] = self._build(*args)
            return self._values[args]

    def cache_clear(self) -> None:
        with self._lock:
            self._values.clear()


def once(build: Callable[P, T]) -> Callable[P, T]:
    """Decorator: the value of `build(*args)` is built once per args, by the first caller."""
    return cast("Callable[P, T]", _Once(build))
