"""``lightning_gans._warnings``: the scoped filter for Lightning's eval-mode warning."""

from __future__ import annotations

import warnings

from torch import nn

from lightning_gans import _warnings

MESSAGE = "Found {} module(s) in eval mode at the start of training. This may lead to unexpected behavior"


def warned(message: str) -> bool:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        for entry in [f for f in warnings.filters if "eval mode" in str(f[1])]:
            warnings.filters.remove(entry)
            warnings.filters.insert(0, entry)  # the scoped filter keeps its priority under "default"
        warnings.warn(message, UserWarning, stacklevel=1)
    return bool(caught)


def test_frozen_modules_in_eval_mode_are_expected_and_the_filter_ends():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2)).eval().requires_grad_(False))
    _warnings.expect_frozen_eval_modules(model)
    assert not warned(MESSAGE.format(2))  # the two frozen modules: expected
    assert warned(MESSAGE.format(3))  # another count is another situation
    _warnings.end_frozen_eval_modules(model)
    assert warned(MESSAGE.format(2))


def test_a_trainable_module_left_in_eval_mode_still_warns():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2).eval())
    _warnings.expect_frozen_eval_modules(model)
    assert warned(MESSAGE.format(1))
    _warnings.end_frozen_eval_modules(model)
