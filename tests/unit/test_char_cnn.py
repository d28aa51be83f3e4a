"""The numpy character CNN of the offensive-comment experiments (bench/char_cnn.py): its
hand-written gradients agree with finite differences, and it learns a separable toy task."""

from __future__ import annotations

import numpy as np
import pytest

from bench import char_cnn

TEXTS = ["你好世界啊", "黑人不好", "abc", "今天天气很好的"]


def loss(params, ids, lengths, labels) -> float:
    prob = char_cnn.forward(params, ids, lengths)[0]
    return float(-np.mean(labels * np.log(prob) + (1 - labels) * np.log(1 - prob)))


@pytest.mark.parametrize("name", ["W2", "b2", "W1", "b1", "C2", "C3", "c4", "E"])
def test_backward_matches_finite_differences(name):
    rng = np.random.default_rng(1)
    ids, lengths = char_cnn.encode(TEXTS, char_cnn.vocabulary(TEXTS, min_count=1))
    params = {k: v.astype(np.float64) for k, v in char_cnn.initial(int(ids.max()) + 1, rng).items()}
    labels = np.array([0, 1, 0, 1], dtype=np.float64)
    prob, state = char_cnn.forward(params, ids, lengths)
    grads = char_cnn.backward(params, prob, labels, state)
    flat = np.argsort(-np.abs(grads[name]).ravel())[:3]
    for index in zip(*np.unravel_index(flat, grads[name].shape), strict=True):
        old, step = params[name][index], 1e-6
        params[name][index] = old + step
        above = loss(params, ids, lengths, labels)
        params[name][index] = old - step
        below = loss(params, ids, lengths, labels)
        params[name][index] = old
        assert abs((above - below) / (2 * step) - grads[name][index]) < 1e-6


def test_it_learns_which_character_marks_the_class():
    texts = [f"{a}{b}{mark}" for a in "甲乙丙丁" for b in "子丑寅卯" for mark in "好坏"] * 4
    labels = np.array([text.endswith("坏") for text in texts], dtype=np.float32)
    params, vocab = char_cnn.train(texts, labels, 8, seed=0, batch=16, drop=0.0)
    prob = char_cnn.predict(params, *char_cnn.encode(["甲子坏", "乙丑好"], vocab))
    assert prob[0] > 0.8 and prob[1] < 0.2
