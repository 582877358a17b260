"""What the generator is fed and what a data batch holds: the structured inputs of the one training loop.

Every GAN family draws a latent for a batch (noise, plus class labels for a conditional GAN, plus codes for
InfoGAN) and reads a data batch as images/points with optional labels. These two small types carry that
through the hooks of ``GAN.training_step`` (see docs/DESIGN.md, "One loop for every family").
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import torch


@dataclass
class Latent:
    """The generator's input for ``N`` samples.

    Attributes:
        z: ``(N, latent_dim)`` noise.
        labels: ``(N,)`` long class indices of a conditional GAN, else None.
        codes: ``(N, code_dim)`` latent codes (InfoGAN's categorical one-hot and continuous codes), else None.
    """

    z: torch.Tensor
    labels: torch.Tensor | None = None
    codes: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.z.shape[0]

    def rows(self, index: slice | torch.Tensor) -> Latent:
        """The same fields restricted to ``index`` (rows), e.g. one DDP rank's share of a lockstep draw."""
        return replace(
            self,
            **{
                f.name: getattr(self, f.name)[index]
                for f in fields(self)
                if getattr(self, f.name) is not None
            },
        )

    def to(self, device: torch.device | str) -> Latent:
        """Every tensor field moved to ``device``."""
        return replace(
            self,
            **{
                f.name: getattr(self, f.name).to(device)
                for f in fields(self)
                if getattr(self, f.name) is not None
            },
        )


def split_batch(batch: torch.Tensor | tuple | list) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(samples, labels)`` of a data batch: data modules yield ``x`` or ``(x, labels, ...)``.

    Returns:
        ``samples`` of shape ``(N, *data_shape)`` and ``labels`` (``(N,)`` class indices, or whatever the data
        module yields second, e.g. CelebA's ``(N, 40)`` attributes), or None for an unlabelled batch.
    """
    if isinstance(batch, tuple | list):
        return batch[0], (batch[1] if len(batch) > 1 else None)
    return batch, None
