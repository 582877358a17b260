"""What the generator is fed: the structured input of the z -> x loop.

Every GAN family draws a latent for a batch (noise, plus class labels for a conditional GAN, plus codes for
InfoGAN); ``Latent`` carries it through the hooks of ``GAN.training_step`` (docs/DESIGN.md, "One loop for every
family"). A data batch's parts come from ``lightning_gans.data.batch.split_batch``.
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
