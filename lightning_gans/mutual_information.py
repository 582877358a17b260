"""InfoGAN's latent codes and the variational lower bound on their mutual information with the samples.

Chen et al. (2016) maximise ``I(c; G(z, c)) >= H(c) + E[log Q(c | G(z, c))]``. ``H(c)`` is a constant of the code
distribution, so the trainable part is the negative log-likelihood of the drawn codes under Q's estimate:

- categorical codes: the cross-entropy of Q's **logits** with the drawn category (``F.cross_entropy`` applies the
  log-softmax itself; a softmax before it, a known fault of public ports, squashes the gradients);
- continuous codes: the Gaussian negative log-likelihood of the drawn value under Q's ``(mean, log_std)``.

Codes are drawn from the distributions Q assumes: each categorical code uniform over its ``K`` values (as a
one-hot), each continuous code uniform in [-1, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F


class QOutput(NamedTuple):
    """Q's estimate of the codes of ``N`` samples.

    Attributes:
        categorical: one ``(N, K_i)`` logits tensor per categorical code (unnormalised: no softmax).
        mean: ``(N, C)`` means of the continuous codes.
        log_std: ``(N, C)`` log standard deviations of the continuous codes.
    """

    categorical: tuple[torch.Tensor, ...]
    mean: torch.Tensor
    log_std: torch.Tensor


def draw_codes(
    n: int, categorical_codes: Sequence[int], continuous_codes: int, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """``(n, sum(categorical_codes) + continuous_codes)`` codes: the one-hots, then the continuous values.

    Each categorical code is uniform over its values; each continuous code uniform in [-1, 1] (Q's Gaussian is a
    likelihood model, not the prior: drawing from a normal here would train on values the traversals never use).
    """
    parts = [F.one_hot(torch.randint(k, (n,), device=device), k).float() for k in categorical_codes]
    parts.append(torch.rand(n, continuous_codes, device=device) * 2 - 1)
    return torch.cat(parts, dim=1)


def split_codes(
    codes: torch.Tensor, categorical_codes: Sequence[int]
) -> tuple[list[torch.Tensor], torch.Tensor]:
    """``(N, D)`` codes -> (one ``(N,)`` long index per categorical code, ``(N, C)`` continuous values)."""
    indices, start = [], 0
    for k in categorical_codes:
        indices.append(codes[:, start : start + k].argmax(1))
        start += k
    return indices, codes[:, start:]


def categorical_info_loss(logits: Sequence[torch.Tensor], indices: Sequence[torch.Tensor]) -> torch.Tensor:
    """Sum over categorical codes of the batch-mean cross-entropy ``-log softmax(logits)[index]``.

    Args:
        logits: one ``(N, K_i)`` tensor of Q's raw logits per code.
        indices: one ``(N,)`` long tensor of drawn values per code.
    """
    terms = [F.cross_entropy(lg, idx) for lg, idx in zip(logits, indices, strict=True)]
    return torch.stack(terms).sum() if terms else torch.zeros(())


def continuous_info_loss(mean: torch.Tensor, log_std: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """Gaussian negative log-likelihood of ``(N, C)`` codes under ``N(mean, exp(log_std)^2)``, summed over the
    ``C`` codes and averaged over the batch (constant ``log sqrt(2 pi)`` included, so it is a true NLL)."""
    if codes.shape[1] == 0:
        return torch.zeros((), device=codes.device)
    nll = F.gaussian_nll_loss(mean, codes, torch.exp(2 * log_std), full=True, reduction="none")
    return nll.sum(1).mean()
