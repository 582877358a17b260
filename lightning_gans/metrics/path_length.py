"""Perceptual path length (Karras et al. 2019) in the digits network's features, through torchmetrics.

``PPL = E[ d(G(lerp(w1, w2, t)), G(lerp(w1, w2, t + eps))) / eps^2 ]`` over random latent pairs and ``t``, with
``d`` the squared L2 distance between the digits network's ``(N, 64)`` penultimate features (the digits-FID
embedding) instead of LPIPS, whose VGG weights are a download and whose features were not made for 32x32 grey
digits. torchmetrics' ``perceptual_path_length`` draws the pairs, interpolates, discards the 1% tails and
averages; this module only adapts a ``GAN`` and the distance to its interfaces. Lower = smoother latent space.

The latent is what the model's ``draw_latent`` gives, flattened: the noise, and InfoGAN's codes after it (paths
then interpolate the codes too). A conditional model's labels are drawn per pair and held along the path.
"""

from __future__ import annotations

import torch
from torch import nn
from torchmetrics.functional.image import perceptual_path_length

from lightning_gans.modules.latent import Latent


class FeatureDistance(nn.Module):
    """``(N, C, H, W)``, ``(N, C, H, W)`` images in [-1, 1] -> ``(N,)`` squared L2 distances of their
    digits-network features."""

    def __init__(self, classifier: nn.Module) -> None:
        super().__init__()
        self.classifier = classifier

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (self.classifier.features(a) - self.classifier.features(b)).pow(2).sum(1)


class _LatentGenerator(nn.Module):
    """A ``GAN`` seen through torchmetrics' generator interface: ``sample(n) -> (n, D)`` flat latents and
    ``forward(latent[, labels]) -> images in [0, 255]`` (eval mode, EMA weights when the model has them)."""

    def __init__(self, model) -> None:
        super().__init__()
        self.model = model
        self.num_classes = getattr(model, "num_classes", None)

    def sample(self, n: int) -> torch.Tensor:
        latent = self.model.draw_latent(n)
        parts = [latent.z] + ([latent.codes] if latent.codes is not None else [])
        return torch.cat(parts, dim=1).cpu()

    def forward(self, flat: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        model = self.model
        z, codes = flat[:, : model.latent_dim], flat[:, model.latent_dim :]
        latent = Latent(z, labels=labels, codes=codes if codes.shape[1] else None).to(model.device)
        net = model.sampling_generator
        was_training = net.training
        net.eval()
        try:
            images = model.generate(latent, net)
        finally:
            net.train(was_training)
        return (images.float().clamp(-1, 1) + 1) * 127.5


@torch.no_grad()
def path_length(
    model,
    classifier: nn.Module,
    num_samples: int = 2500,
    epsilon: float = 1e-4,
    batch_size: int = 250,
    seed: int | None = 0,
) -> dict[str, float]:
    """``{"ppl", "ppl_std"}`` of ``model`` (a ``GAN`` making images) over ``num_samples`` latent pairs, linear
    interpolation, ``epsilon`` steps, distances in ``classifier``'s features; the global RNG is left as it was."""
    device = model.device
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        if seed is not None:
            torch.manual_seed(seed)
        mean, std, _ = perceptual_path_length(
            _LatentGenerator(model),
            num_samples=num_samples,
            conditional=getattr(model, "num_classes", None) is not None,
            batch_size=batch_size,
            interpolation_method="lerp",
            epsilon=epsilon,
            sim_net=FeatureDistance(classifier).eval(),
            device=device,
        )
    return {"ppl": float(mean), "ppl_std": float(std)}
