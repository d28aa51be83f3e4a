"""`kernel.once`: an expensive initialiser that many threads call first at the same moment is
built once; the others wait for its value (functools.cache lets each build its own: twenty
concurrent first reviews, each building jieba tokenizers, took 25.6 s in a CI run)."""

from __future__ import annotations

import threading
import time

from pledge.kernel.once import _Once, once
from pledge.moderation import checks, classifier, normalise
from pledge.search import text as search_text
from pledge.wishes import text as wish_text


def test_twenty_threads_calling_first_build_the_value_once():
    built = []

    @once
    def dictionary(name: str) -> object:
        built.append(name)
        time.sleep(0.2)  # long enough for every thread to arrive while the first one builds
        return object()

    barrier = threading.Barrier(20)
    got: list[object] = []

    def call() -> None:
        barrier.wait()
        got.append(dictionary("jieba"))

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert built == ["jieba"] and len(got) == 20 and len({id(v) for v in got}) == 1
    assert dictionary("opencc") is not dictionary("jieba") and built == ["jieba", "opencc"]


def test_a_failed_build_is_not_kept_and_the_next_call_builds_again():
    attempts = []

    @once
    def flaky() -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("dictionary file busy")
        return 42

    try:
        flaky()
    except OSError:
        pass
    assert flaky() == 42 and flaky() == 42 and len(attempts) == 2


def test_the_shared_tokenizers_models_and_lexicons_are_built_once():
    for initialiser in (
        wish_text._tokenizer,
        wish_text._t2s,
        search_text._tokenizer,
        search_text.synonym_groups,
        normalise._t2s,
        classifier.shipped_model,
        checks.shipped_lexicon,
    ):
        assert isinstance(initialiser, _Once), initialiser
