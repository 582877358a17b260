"""Adversarial losses and regularizers as pure functions of logits (or critic values).

Conventions: ``real_logits`` and ``fake_logits`` have shape ``(N,)``; every loss is a scalar that the
corresponding network *minimises*. Logits go through ``binary_cross_entropy_with_logits`` (never sigmoid + BCE),
which is numerically stable and safe under mixed precision.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def bce_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Standard GAN discriminator loss: ``-E[log D(x)] - E[log(1 - D(G(z)))]`` with ``D = sigmoid(logit)``."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def nonsaturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss: ``-E[log D(G(z))]`` (maximises the log-probability of fooling D)."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def minimax_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Original minimax generator loss: ``E[log(1 - D(G(z)))]`` (saturates when D wins early)."""
    return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def wasserstein_critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """WGAN critic loss: ``E[D(G(z))] - E[D(x)]`` (the negated Wasserstein estimate)."""
    return fake_scores.mean() - real_scores.mean()


def wasserstein_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """WGAN generator loss: ``-E[D(G(z))]``."""
    return -fake_scores.mean()


def hinge_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Hinge loss: ``E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]``."""
    return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()


def _input_gradients(
    critic: Callable[[torch.Tensor], torch.Tensor], inputs: torch.Tensor, grad_scale: float | None
) -> torch.Tensor:
    """``d sum(critic(inputs)) / d inputs`` with a graph for double backprop, shape of ``inputs``.

    Under fp16 autocast the raw gradients can underflow; with ``grad_scale`` (the GradScaler's current scale)
    the outputs are scaled before ``autograd.grad`` and the gradients unscaled after, as in PyTorch's AMP
    gradient-penalty example.
    """
    scores = critic(inputs)
    if grad_scale is not None:
        scores = scores * grad_scale
    (grads,) = torch.autograd.grad(scores.sum(), inputs, create_graph=True)
    if grad_scale is not None:
        grads = grads / grad_scale
    return grads.float()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    grad_scale: float | None = None,
) -> torch.Tensor:
    """WGAN-GP penalty (Gulrajani et al., 2017): ``E[(||grad_x D(x_hat)||_2 - 1)^2]``.

    ``x_hat = a * real + (1 - a) * fake`` with one coefficient ``a ~ U[0, 1]`` per sample (not per pixel).

    Args:
        critic: maps ``(N, *shape)`` to ``(N,)``.
        real: ``(N, *shape)`` real samples.
        fake: ``(N, *shape)`` generated samples (detached or not; the penalty only trains the critic).
        grad_scale: the fp16 GradScaler's scale, or None (fp32/bf16).

    Returns:
        Scalar penalty (multiply by lambda=10 yourself).
    """
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    grads = _input_gradients(critic, x_hat, grad_scale)
    return ((grads.flatten(1).norm(2, dim=1) - 1.0) ** 2).mean()


def r1_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, grad_scale: float | None = None
) -> torch.Tensor:
    """R1 penalty (Mescheder et al., 2018): ``E[||grad_x D(x)||^2]`` on real samples (multiply by gamma/2)."""
    grads = _input_gradients(critic, real.detach().requires_grad_(True), grad_scale)
    return grads.flatten(1).pow(2).sum(1).mean()
