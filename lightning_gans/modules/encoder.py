"""f-AnoGAN's izi_f encoder (Schlegl et al. 2019): a post-hoc encoder for any trained GAN.

G and D are loaded frozen from a GAN checkpoint; only E is trained, on

    ||x - G(E(x))||^2 + kappa * ||f_D(x) - f_D(G(E(x)))||^2      (means over pixels / features, kappa = 1)

with ``f_D`` the discriminator's last hidden features (``discriminator.features(x)``). The same expression per
sample is the anomaly score (``lightning_gans.anomaly.izif_score``). Not a GAN family (no adversarial loop): a
small LightningModule of its own, trained through the CLI like any model:

    lightning-gans fit --config configs/anomaly/digits_izif.yaml --model.gan_ckpt runs/.../last.ckpt

Its checkpoint holds the GAN's class, hyperparameters and weights, so it loads (``load_model``, ``weights_only``)
without the GAN's checkpoint file.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence

import torch
from lightning.pytorch import LightningModule
from torch import nn
from typing_extensions import override

from lightning_gans import _warnings, anomaly
from lightning_gans.data.batch import split_batch
from lightning_gans.data.transforms import PREPROCESSING_KEY, preprocessing_of
from lightning_gans.engine.checkpoint import CLASS_KEY, load_model, model_from_hparams, public_class_path
from lightning_gans.engine.options import OptimizerCallable
from lightning_gans.errors import ConfigError
from lightning_gans.modules.detector import AnomalyDetector
from lightning_gans.modules.gan import GAN
from lightning_gans.modules.recipes import given_or_default
from lightning_gans.nets import DCGANEncoder, MLPEncoder


class IZIfEncoder(AnomalyDetector, LightningModule):
    """Trains ``E: x -> z`` against a frozen GAN's G and D; ``encode``, ``reconstruct``, ``anomaly_score``.

    Args:
        gan_ckpt: checkpoint of the trained GAN (any lightning-gans GAN whose discriminator has ``features``).
        encoder: replaces the default encoder (``DCGANEncoder`` for images, ``MLPEncoder`` for vectors).
        kappa: weight of the feature term (1 in the paper).
        ema: use the GAN's EMA generator when it has one (the generator it samples with).
        encoder_width: conv encoder width; hidden_dims: MLP encoder widths.
        optimizer: ``params -> Optimizer`` for E; None = Adam(1e-4, betas (0.5, 0.999)).
        threshold_quantile: quantile of held-out normal scores that becomes ``anomaly_threshold``.
        gan_class, gan_hparams: set by the module itself and stored in its checkpoint (rebuild the GAN without
            ``gan_ckpt``); leave them out.
    """

    def __init__(
        self,
        gan_ckpt: str | None = None,
        encoder: nn.Module | None = None,
        kappa: float = 1.0,
        ema: bool = True,
        encoder_width: int = 64,
        hidden_dims: Sequence[int] = (256, 256),
        optimizer: OptimizerCallable | None = None,
        threshold_quantile: float = 0.95,
        gan_class: str | None = None,
        gan_hparams: dict | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["encoder", "optimizer"])
        if gan_class is not None and gan_hparams is not None:
            build = lambda: model_from_hparams(
                gan_class, gan_hparams
            )  # weights: from this module's state_dict
        elif gan_ckpt is not None:
            build = lambda: load_model(gan_ckpt, base=GAN)
        else:
            raise ConfigError("IZIfEncoder needs the trained GAN: set model gan_ckpt to its .ckpt file.")
        # In an empty context: LightningCLI instantiates this module inside a context variable that hands *its*
        # hyperparameters to every save_hyperparameters() call, which would give the inner GAN this module's.
        gan = contextvars.Context().run(build)
        check_gan(gan)
        # the checkpoint of this module rebuilds the GAN from these, with no need for gan_ckpt's file
        self.hparams["gan_class"] = public_class_path(type(gan))
        self.hparams["gan_hparams"] = dict(gan.hparams)
        gan.requires_grad_(False)
        self.gan = gan.eval()
        self.kappa = kappa
        self.ema = ema
        self.optimizer = optimizer
        shape, latent_dim = tuple(gan.generator.data_shape), gan.latent_dim
        self.encoder = given_or_default(
            encoder,
            lambda: (
                DCGANEncoder(latent_dim, shape[1], shape[0], encoder_width)
                if len(shape) == 3
                else MLPEncoder(shape, latent_dim, hidden_dims)
            ),
        )
        self.data_shape = shape
        self.init_detector(threshold_quantile)

    @property
    def generator(self) -> nn.Module:
        """The frozen generator E is trained to invert (the EMA copy with ``ema`` when there is one)."""
        return self.gan.sampling_generator if self.ema else self.gan.generator

    @property
    def discriminator(self) -> nn.Module:
        """The frozen discriminator whose ``features`` give ``f_D``."""
        return self.gan.discriminator

    @override
    def train(self, mode: bool = True) -> IZIfEncoder:
        super().train(mode)
        self.gan.eval()  # frozen: batch norm keeps the GAN's running statistics, dropout stays off
        return self

    @override
    def on_fit_start(self) -> None:
        _warnings.expect_frozen_eval_modules(self)  # the frozen GAN is in eval mode on purpose

    @override
    def on_train_start(self) -> None:
        _warnings.end_frozen_eval_modules(self)

    def izif(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(N, *data_shape)`` -> ``((N,)`` izi_f values, ``(N, *data_shape)`` reconstructions``)``, with a graph
        through E (G and D frozen)."""
        x_rec = self.generator(self.encoder(x))
        with torch.no_grad():
            f_x = self.discriminator.features(x)
        return anomaly.izif_score(x, x_rec, f_x, self.discriminator.features(x_rec), self.kappa), x_rec

    @override
    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        x, _ = split_batch(batch)
        loss = self.izif(x)[0].mean()
        self.log("train/izif", loss, prog_bar=True)
        return loss

    @override
    def configure_optimizers(self) -> torch.optim.Optimizer:
        make = self.optimizer or (lambda p: torch.optim.Adam(p, lr=1e-4, betas=(0.5, 0.999)))
        return make(self.encoder.parameters())

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N, latent_dim)`` codes (eval mode)."""
        was_training = self.encoder.training
        self.encoder.eval()
        try:
            return self.encoder(x.to(self.device))
        finally:
            self.encoder.train(was_training)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N, *data_shape)`` reconstructions ``G(E(x))``."""
        return self.generator(self.encode(x))

    @torch.no_grad()
    def anomaly_score(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N,)`` izi_f scores (higher = more anomalous)."""
        x = x.to(self.device)
        x_rec = self.reconstruct(x)
        f_x, f_rec = self.discriminator.features(x), self.discriminator.features(x_rec)
        return anomaly.izif_score(x, x_rec, f_x, f_rec, self.kappa)

    @override
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint[CLASS_KEY] = public_class_path(type(self))
        checkpoint[PREPROCESSING_KEY] = preprocessing_of(getattr(self._trainer, "datamodule", None))


def check_gan(gan: GAN) -> None:
    """Refuses GANs izi_f cannot invert: conditional ones, and discriminators without ``features(x)``."""
    name = type(gan).__name__
    if getattr(gan, "num_classes", None) is not None:
        raise ConfigError(
            f"IZIfEncoder needs an unconditional GAN; this {name} is conditional (num_classes)."
        )
    if hasattr(gan, "encoder"):
        raise ConfigError(
            f"{name} has its own encoder: score it directly (its anomaly_score), not with IZIfEncoder."
        )
    if not callable(getattr(gan.discriminator, "features", None)):
        raise ConfigError(
            f"the discriminator of this {name} ({type(gan.discriminator).__name__}) has no features(x) method, "
            "which f-AnoGAN's feature term needs: add one returning its last hidden features (N, F)."
        )
