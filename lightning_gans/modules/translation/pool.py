"""``ImagePool``: a history of generated images for the discriminator (Shrivastava et al., 2017; CycleGAN).

Showing the discriminator some older fakes, not only the generator's latest, damps the oscillation in which the
two networks chase each other's most recent move.
"""

from __future__ import annotations

import torch

__all__ = ["ImagePool"]


class ImagePool:
    """A buffer of up to ``size`` generated images; ``query(fakes)`` gives the batch the discriminator sees.

    The reference semantics, per image of the batch, in order: while the pool is not full the image is stored and
    returned; once full, with probability 0.5 a uniformly chosen stored image is returned and the new image takes
    its place, else the new image is returned (and not stored). ``size`` 0 returns the batch unchanged.

    The random draws come from torch's global CPU generator (two per image, drawn for the whole batch, whether or
    not the pool is full yet), so ``seed_everything`` makes a run reproducible and the RNG states the engine
    saves in checkpoints cover it. ``state_dict``/``load_state_dict`` carry the stored images, for an exact
    resume (the translation models put them in the checkpoint).

    Under DDP every rank keeps its own pool (of its own fakes); a checkpoint holds rank 0's.

    Args:
        size: images kept (50 in CycleGAN).
    """

    def __init__(self, size: int = 50) -> None:
        if size < 0:
            raise ValueError(f"ImagePool size must be >= 0 (0 = no pool), got {size}.")
        self.size = size
        self.images: torch.Tensor | None = None
        """``(size, C, H, W)`` storage, allocated at the first query; rows ``[0, count)`` hold images."""
        self.count = 0

    def __len__(self) -> int:
        return self.count

    @torch.no_grad()
    def query(self, images: torch.Tensor) -> torch.Tensor:
        """``(N, C, H, W)`` fakes -> ``(N, C, H, W)`` for the discriminator: some new, some from the pool.

        The result is detached (the discriminator's step must not reach the generator).
        """
        images = images.detach()
        if self.size == 0:
            return images
        if self.images is None or self.images.shape[1:] != images.shape[1:]:
            self.images = images.new_empty(self.size, *images.shape[1:])
            self.count = 0
        elif self.images.device != images.device or self.images.dtype != images.dtype:
            self.images = self.images.to(images)
        n = len(images)
        # drawn on the CPU generator for the batch at once: reproducible on any device, one call per batch
        coins = torch.rand(n).tolist()
        slots = torch.randint(self.size, (n,)).tolist()
        out = images.clone()
        for i in range(n):
            if self.count < self.size:
                self.images[self.count] = images[i]
                self.count += 1
            elif coins[i] < 0.5:
                out[i] = self.images[slots[i]]
                self.images[slots[i]] = images[i]
        return out

    def state_dict(self) -> dict:
        """The stored images (``(count, C, H, W)`` on the CPU, or None) and the size: tensors and ints only, so a
        checkpoint stays loadable with ``weights_only=True``."""
        stored = None if self.images is None else self.images[: self.count].detach().cpu().clone()
        return {"size": self.size, "images": stored}

    def load_state_dict(self, state: dict) -> None:
        """Restores what ``state_dict`` gave; a pool of another size keeps what fits."""
        stored = state.get("images")
        if stored is None or self.size == 0:
            self.images, self.count = None, 0
            return
        self.images = stored.new_empty(self.size, *stored.shape[1:])
        self.count = min(len(stored), self.size)
        self.images[: self.count] = stored[: self.count]
