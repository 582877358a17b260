"""Exponential moving average (EMA) of the generator's weights (Yazici et al., 2019; used by ProGAN, StyleGAN,
BigGAN): sampling from the averaged weights smooths out the oscillation of adversarial training and usually gives
better samples (lower FID) than the raw generator at no training cost.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def make_ema_copy(net: nn.Module) -> nn.Module:
    """A frozen deep copy of ``net``: no gradients, not seen by optimizers or DDP's reducer.

    The copy keeps ``net``'s train/eval mode and follows the module's like any submodule: ``GAN.sample`` switches
    it to eval mode for each forward pass. (A copy held in eval mode made Lightning warn "Found N module(s) in
    eval mode at the start of training" on every run, for nothing the user did.)
    """
    ema = copy.deepcopy(net)
    ema.requires_grad_(False)
    return ema


def ema_decay_at(step: int, decay: float, warmup: bool = True) -> float:
    """The decay used at update ``step`` (0-based): ``min(decay, (1 + step) / (10 + step))`` with warm-up.

    The warm-up lets the average forget the random initial weights quickly: 0.1 at step 0, 0.5 at step 8,
    0.9 at step 80, then ``decay``.
    """
    return min(decay, (1.0 + step) / (10.0 + step)) if warmup else decay


@torch.no_grad()
def update_ema(ema: nn.Module, net: nn.Module, decay: float) -> None:
    """``ema = decay * ema + (1 - decay) * net`` for parameters; buffers (batch-norm statistics) are copied."""
    ema_params = [p for p in ema.parameters()]
    net_params = [p.detach() for p in net.parameters()]
    if ema_params:
        torch._foreach_lerp_(ema_params, net_params, 1.0 - decay)
    for ema_buffer, buffer in zip(ema.buffers(), net.buffers(), strict=True):
        ema_buffer.copy_(buffer)
