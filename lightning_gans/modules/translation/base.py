"""What CycleGAN and Pix2Pix share on top of the engine: the batch contract, the adversarial-loss choice, image
pools in the checkpoint, inference in eval mode, the start-up checks and the DDP batch-norm rule.

Batch contract (the translation data modules'): a dict ``{"A": (N, C_a, H, W), "B": (N, C_b, H, W)}`` of floats
in [-1, 1], optionally ``"A_label": (N,)`` long; for paired data (pix2pix) ``A[i]`` and ``B[i]`` are aligned.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch
from lightning.pytorch.strategies import DDPStrategy
from lightning.pytorch.utilities import rank_zero_warn
from torch import nn
from typing_extensions import override

from lightning_gans import losses
from lightning_gans.engine import AdversarialModule
from lightning_gans.errors import ConfigError
from lightning_gans.modules.translation.pool import ImagePool
from lightning_gans.nets.translation import patch_output_size

POOLS_KEY = "lightning_gans_image_pools"
"""Checkpoint key of the image pools' contents (exact resume)."""

GAN_LOSSES: dict[str, tuple[Callable, Callable]] = {
    "lsgan": (losses.lsgan_discriminator_loss, losses.lsgan_generator_loss),
    "vanilla": (losses.bce_discriminator_loss, losses.nonsaturating_generator_loss),
    "wgan-gp": (losses.wasserstein_critic_loss, losses.wasserstein_generator_loss),
}
"""``gan_loss`` name -> (discriminator loss, generator loss), both pure functions of patch logits."""


def check_non_negative(**values: float) -> None:
    """Refuses negative loss weights or sizes, naming the option."""
    for name, value in values.items():
        if value < 0:
            raise ConfigError(f"model {name} must be >= 0, got {value}.")


def check_patch_size(image_size: int, n_layers: int) -> None:
    """Refuses a default PatchGAN that would have no output on ``image_size`` images."""
    if patch_output_size(image_size, n_layers) < 1:
        fits = max((n for n in range(1, n_layers) if patch_output_size(image_size, n) >= 1), default=None)
        fix = f"set model discriminator_layers: {fits}" if fits else "use larger images"
        raise ConfigError(
            f"A PatchGAN with discriminator_layers {n_layers} has no output on {image_size}x{image_size} images "
            f"(it needs at least {3 * 2**n_layers} px): {fix}."
        )


def _is_unsynced_batch_norm(module: nn.Module) -> bool:
    return isinstance(module, nn.modules.batchnorm._BatchNorm) and not isinstance(module, nn.SyncBatchNorm)


class TranslationModule(AdversarialModule):
    """The translation family's base: phases ``generator`` and ``discriminator``; not used on its own.

    Args:
        channels_a, channels_b: image channels of domains A and B (checked against the data module's
            ``channels_a``/``channels_b`` at start-up, when it has them).
        image_size: height and width of the training images (checked against the data module's ``image_size``).
        **engine: the engine's ``optimizers``, ``schedulers``, ``clip_vals``, ``gradient_clip_algorithm``,
            ``on_nonfinite``.
    """

    def __init__(self, channels_a: int, channels_b: int, image_size: int, **engine) -> None:
        for name, value in (
            ("channels_a", channels_a),
            ("channels_b", channels_b),
            ("image_size", image_size),
        ):
            if value < 1:
                raise ConfigError(f"model {name} must be >= 1, got {value}.")
        super().__init__(**engine)
        self.channels_a, self.channels_b, self.image_size = channels_a, channels_b, image_size
        self.pools: dict[str, ImagePool] = {}

    def save_translation_hparams(self, save: Callable[[], None]) -> None:
        """Runs ``save`` (the subclass's ``self.save_hyperparameters``, which must be called from its own
        ``__init__`` to see its arguments), then drops network objects and factories from the hyperparameters
        so checkpoints load with ``weights_only=True`` (CLI runs keep their ``class_path`` dicts)."""
        with warnings.catch_warnings():
            # Lightning warns that nn.Module arguments are in the hyperparameters; they are removed just below
            warnings.filterwarnings("ignore", message=r"Attribute '\w+' is an instance of `nn.Module`")
            save()
        self.remove_ignored_hparams(
            [
                k
                for k, v in self.hparams.items()
                if isinstance(v, nn.Module) or (callable(v) and not isinstance(v, type))
            ]
        )

    # ------------------------------------------------------------------------------------------ batches
    def images(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        """``(A, B)`` of a batch dict, or a ConfigError describing the contract."""
        if not isinstance(batch, dict) or "A" not in batch or "B" not in batch:
            got = sorted(batch) if isinstance(batch, dict) else type(batch).__name__
            raise ConfigError(
                f"{type(self).__name__} trains on batches {{'A': images, 'B': images}} from a translation data "
                f"module, got {got}. Use an unpaired (CycleGAN) or paired (pix2pix) data module."
            )
        return batch["A"], batch["B"]

    @staticmethod
    def adversarial_losses(gan_loss: str) -> tuple[Callable, Callable]:
        """(discriminator loss, generator loss) for ``gan_loss``."""
        if gan_loss not in GAN_LOSSES:
            raise ConfigError(
                f"gan_loss must be one of {', '.join(repr(k) for k in GAN_LOSSES)}, got {gan_loss!r}."
            )
        return GAN_LOSSES[gan_loss]

    def grad_scale(self) -> float | None:
        """The fp16 GradScaler's current scale (``16-mixed``), else None: for the gradient penalty."""
        scaler = getattr(self.trainer.precision_plugin, "scaler", None) if self._trainer is not None else None
        return float(scaler.get_scale()) if scaler is not None and scaler.is_enabled() else None

    # ---------------------------------------------------------------------------------------- inference
    def translate_with(self, net: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """``net(x)`` without a graph and in eval mode (batch norm's running statistics, no dropout), on the
        module's device; the network's mode is restored after."""
        was_training = net.training
        net.eval()
        try:
            with torch.no_grad():
                return net(x.to(self.device))
        finally:
            net.train(was_training)

    def log_eval(self, stage: str, values: dict[str, torch.Tensor], batch_size: int) -> None:
        """Logs ``<stage>/<name>`` epoch means (averaged over DDP ranks)."""
        for name, value in values.items():
            self.log(
                f"{stage}/{name}", value, on_step=False, on_epoch=True, sync_dist=True, batch_size=batch_size
            )

    # ------------------------------------------------------------------------------------- checkpoints
    @override
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        super().on_save_checkpoint(checkpoint)
        if self.pools:
            checkpoint[POOLS_KEY] = {name: pool.state_dict() for name, pool in self.pools.items()}

    @override
    def on_load_checkpoint(self, checkpoint: dict) -> None:
        super().on_load_checkpoint(checkpoint)
        for name, state in checkpoint.get(POOLS_KEY, {}).items():
            if name in self.pools:
                self.pools[name].load_state_dict(state)

    # ---------------------------------------------------------------------------------------- set-up
    @override
    def setup(self, stage: str) -> None:
        super().setup(stage)
        strategy = self.trainer.strategy
        # Lightning's Trainer(sync_batchnorm=True) converts the layers after this hook (strategy.setup)
        if (
            isinstance(strategy, DDPStrategy)
            and self.trainer.world_size > 1
            and getattr(strategy, "_layer_sync", None) is None
        ):
            trained = [
                name
                for name, m in self.named_modules()
                if _is_unsynced_batch_norm(m)
                and not name.split(".")[0].endswith("_ema")
                and not name.startswith("semantic_classifier")
            ]
            if trained:
                on_gpu = torch.cuda.is_available() and strategy.root_device.type == "cuda"
                rank_zero_warn(
                    f"{type(self).__name__} has batch norm ({trained[0]}, ...) and runs on "
                    f"{self.trainer.world_size} DDP processes: each normalises with its own share of the batch "
                    "(the reference implementation's known multi-GPU problem). "
                    + (
                        "Set trainer.sync_batchnorm: true (statistics over all processes), or model norm: instance."
                        if on_gpu
                        else "On CPU there is no SyncBatchNorm; set model norm: instance to avoid it."
                    )
                )

    @override
    def on_fit_start(self) -> None:
        data = self.trainer.datamodule
        if data is None:
            return
        for name in ("channels_a", "channels_b", "image_size"):
            theirs = getattr(data, name, None)
            ours = getattr(self, name)
            if isinstance(theirs, int) and theirs != ours:
                raise ConfigError(
                    f"The data module has {name} {theirs} but the model was built for {ours}. Set model "
                    f"{name}: {theirs} (or link it to data.{name} in the config)."
                )
