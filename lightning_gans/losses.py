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


def lsgan_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Least-squares GAN discriminator loss (Mao et al., 2017): ``E[(D(x) - 1)^2] + E[D(G(z))^2]``.

    Any shapes (``(N,)`` or a PatchGAN's ``(N, 1, H', W')``): the mean is over every element.
    """
    return F.mse_loss(real_logits, torch.ones_like(real_logits)) + F.mse_loss(
        fake_logits, torch.zeros_like(fake_logits)
    )


def lsgan_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Least-squares GAN generator loss: ``E[(D(G(z)) - 1)^2]`` (CycleGAN's default)."""
    return F.mse_loss(fake_logits, torch.ones_like(fake_logits))


def cycle_loss(reconstructed: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    """Cycle-consistency loss (Zhu et al., 2017): mean absolute error ``E|F(G(x)) - x|`` over all elements.

    Args:
        reconstructed: ``(N, C, H, W)`` images translated to the other domain and back.
        original: ``(N, C, H, W)`` the images they came from.
    """
    return F.l1_loss(reconstructed, original)


def identity_loss(translated: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    """Identity loss: ``E|G(y) - y|`` for images ``y`` already in G's target domain (keeps colours), L1 mean.

    Args:
        translated: ``(N, C, H, W)`` target-domain images passed through the generator into that domain.
        original: ``(N, C, H, W)`` the same images.
    """
    return F.l1_loss(translated, original)


def semantic_consistency_loss(
    classifier: Callable[[torch.Tensor], torch.Tensor],
    translated: torch.Tensor,
    source: torch.Tensor,
    labels: torch.Tensor | None = None,
) -> torch.Tensor:
    """CyCADA's semantic-consistency loss (Hoffman et al., 2018): ``CE(f(G(x)), argmax f(x))``, or the true
    labels when given: a translated image should keep the class the source-domain classifier ``f`` sees.

    Gradients flow into ``translated`` only (the targets are computed without a graph); freeze ``f`` yourself.

    Args:
        classifier: maps ``(N, C, H, W)`` images to ``(N, K)`` class logits.
        translated: ``(N, C', H, W)`` images translated from ``source`` (``f`` must accept them: same channels).
        source: ``(N, C, H, W)`` the source-domain images.
        labels: ``(N,)`` their true classes, or None to use ``f``'s own predictions.
    """
    if labels is None:
        with torch.no_grad():
            labels = classifier(source).argmax(1)
    return F.cross_entropy(classifier(translated), labels)


def _input_gradients(
    critic: Callable[..., torch.Tensor], inputs: torch.Tensor | tuple, grad_scale: float | None
) -> torch.Tensor:
    """``d sum(critic(*inputs)) / d inputs`` with a graph for double backprop, ``(M, D)``: one row per critic
    output, i.e. per sample (``M = N``), or per pack of ``N / M`` consecutive samples for a packed critic (PacGAN),
    whose gradient is taken over the whole packed input.

    ``inputs`` is one tensor or a tuple of the critic's arguments; the gradient is taken with respect to every
    one that requires grad (the others, e.g. class labels, are held fixed) and concatenated per sample.

    Under fp16 autocast the raw gradients can underflow; with ``grad_scale`` (the GradScaler's current scale)
    the outputs are scaled before ``autograd.grad`` and the gradients unscaled after, as in PyTorch's AMP
    gradient-penalty example.
    """
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    wrt = [a for a in args if a.requires_grad]
    scores = critic(*args)
    if grad_scale is not None:
        scores = scores * grad_scale
    grads = torch.autograd.grad(scores.sum(), wrt, create_graph=True)
    if grad_scale is not None:
        grads = [g / grad_scale for g in grads]
    # (N, D) per sample; a pack's samples are consecutive rows, so a reshape groups them (no-op when M = N)
    return torch.cat([g.float().flatten(1) for g in grads], dim=1).reshape(len(scores), -1)


def interpolate_inputs(
    real: torch.Tensor | tuple, fake: torch.Tensor | tuple, pack: int = 1
) -> torch.Tensor | tuple:
    """``x_hat = a * real + (1 - a) * fake`` with one ``a ~ U[0, 1]`` per sample (not per pixel), requiring grad.

    For a critic with several inputs (tuples), every floating-point input is interpolated with the same ``a``
    (BiGAN's ``(x, z)`` pairs) and every other input (class labels) is taken from ``real``: a conditional
    critic's penalty uses the real labels.

    ``pack`` m > 1 (a packed critic, PacGAN): one ``a`` per pack of m consecutive samples, so that each packed
    interpolate lies on the segment between a real pack and a fake pack.
    """
    if not isinstance(real, tuple):
        alpha = _coefficients(real.shape[0], pack, real, real.dim() - 1)
        return (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    first = real[0]
    alpha = _coefficients(first.shape[0], pack, first)
    mixed = []
    for r, f in zip(real, fake, strict=True):
        if r.is_floating_point():
            a = alpha.view(-1, *([1] * (r.dim() - 1))).to(r.dtype)
            mixed.append((a * r.detach() + (1 - a) * f.detach()).requires_grad_(True))
        else:
            mixed.append(r)
    return tuple(mixed)


def _coefficients(n: int, pack: int, like: torch.Tensor, trailing_dims: int = 0) -> torch.Tensor:
    """``(n, 1, ...)`` interpolation coefficients ``U[0, 1]`` (``trailing_dims`` ones), one per pack of ``pack``
    consecutive samples (one per sample for ``pack`` 1, drawn exactly as before packing existed)."""
    alpha = torch.rand(n // pack, *([1] * trailing_dims), device=like.device, dtype=like.dtype)
    return alpha if pack == 1 else alpha.repeat_interleave(pack, dim=0)


def gradient_penalty(
    critic: Callable[..., torch.Tensor],
    real: torch.Tensor | tuple,
    fake: torch.Tensor | tuple,
    grad_scale: float | None = None,
    pack: int = 1,
) -> torch.Tensor:
    """WGAN-GP penalty (Gulrajani et al., 2017): ``E[(||grad_x D(x_hat)||_2 - 1)^2]``.

    ``x_hat = a * real + (1 - a) * fake`` with one coefficient ``a ~ U[0, 1]`` per sample (not per pixel); see
    ``interpolate_inputs`` for critics with several inputs (conditional: labels held at the real ones).

    A packed critic (PacGAN, ``pack`` m > 1) maps ``N`` samples to ``N/m`` values: the interpolation takes one
    coefficient per pack and the norm is over the gradient of each whole packed input (``m`` samples).

    Args:
        critic: maps ``(N, *shape)`` (or the tuple of its inputs, unpacked) to ``(N,)``, or ``(N/m,)`` if packed.
        real: ``(N, *shape)`` real samples, or a tuple of the critic's inputs, e.g. ``(x, labels)``.
        fake: the same for generated samples (detached or not; the penalty only trains the critic).
        grad_scale: the fp16 GradScaler's scale, or None (fp32/bf16).
        pack: m, the samples per critic input (1 = an ordinary per-sample critic).

    Returns:
        Scalar penalty (multiply by lambda=10 yourself).
    """
    grads = _input_gradients(critic, interpolate_inputs(real, fake, pack), grad_scale)
    return ((grads.norm(2, dim=1) - 1.0) ** 2).mean()


def r1_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, grad_scale: float | None = None
) -> torch.Tensor:
    """R1 penalty (Mescheder et al., 2018): ``E[||grad_x D(x)||^2]`` on real samples (multiply by gamma/2)."""
    grads = _input_gradients(critic, real.detach().requires_grad_(True), grad_scale)
    return grads.pow(2).sum(1).mean()


def latent_recovery_losses(
    z_n: torch.Tensor,
    cluster: torch.Tensor,
    encoded_n: torch.Tensor,
    encoded_logits: torch.Tensor,
    beta_n: float = 10.0,
    beta_c: float = 10.0,
) -> dict[str, torch.Tensor]:
    """ClusterGAN's terms (Mukherjee et al. 2019) for an encoder that recovers the latent of ``G(z)``:
    ``{"latent_n": beta_n * MSE(z_n, E_n(G(z))), "latent_c": beta_c * CE(E_c(G(z)), c)}``.

    Args:
        z_n: ``(N, d)`` the continuous part of the latent the fakes were generated from.
        cluster: ``(N,)`` long, the index of each fake's one-hot part.
        encoded_n: ``(N, d)`` the encoder's estimate of ``z_n``.
        encoded_logits: ``(N, K)`` the encoder's raw cluster logits (the cross-entropy applies the softmax).
        beta_n, beta_c: the weights (10 and 10 in the paper).

    Returns:
        The two weighted scalar terms; the MSE is a mean over every entry, the cross-entropy over samples.
    """
    return {
        "latent_n": beta_n * F.mse_loss(encoded_n, z_n),
        "latent_c": beta_c * F.cross_entropy(encoded_logits, cluster),
    }
