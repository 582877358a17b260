"""Periodic evaluation during training: metrics chosen by the data (``metrics.evaluator``).

Vectors (2-D points, tabular rows, from any data module whose samples are 1-D) get precision/recall/density/
coverage and the energy distance in the raw vector space, never Inception; the library's 2-D toys add modes/hq/
reverse KL. The digits get FID/KID, precision/recall/density/coverage, memorization and class metrics in the digits
network's features; other images the same (less memorization and class metrics) in Inception's, when its weights
are on the machine: otherwise the run stops at start-up (``on_fit_start``, before any training step) with a
one-line ``MissingWeightsError`` naming ``LIGHTNING_GANS_INCEPTION_WEIGHTS``.

Every ``every_n_steps`` generator steps (``trainer.global_step`` counts generator updates) and at the end of
training, ``Evaluation`` samples ``num_samples`` points with ``pl_module.sample`` (eval mode, EMA weights when the
module has them) and logs ``val/<metric>`` to every attached logger. Translation models (CycleGAN, pix2pix) are
scored on the first ``num_real`` pairs of the data module's test split instead
(``lightning_gans.metrics.translation``: ``fid_a2b``/``fid_b2a``, ``class_preserved_a2b`` and, for paired data,
``l1_a2b``), in the shipped digit network of each direction's target domain for the embedded digit domains and
Inception otherwise.

Design notes:

- The metric objects (and the Inception or digits network inside them) live on this callback, not on the
  LightningModule, so they never enter the module's ``state_dict`` or a checkpoint. The callback's own checkpoint
  state is the data description and the metric history (plain numbers).
- Real statistics are computed at the first evaluation and reused for the whole run.
- Only global rank zero evaluates (``sync_on_compute=False``); other ranks skip it, so an evaluation costs one
  process's time and never waits on a collective. The values go to the loggers (which write on rank zero only)
  and to ``trainer.callback_metrics`` on rank zero.
- Metrics are written with ``logger.log_metrics(..., step=global_step)`` rather than ``pl_module.log``: they are
  not per-batch values, ``log_every_n_steps`` must not drop them, and ``on_train_end`` does not allow ``log``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from lightning.pytorch import Callback, LightningModule, Trainer
from lightning.pytorch.utilities import rank_zero_info
from typing_extensions import override

from lightning_gans.capabilities import Translates
from lightning_gans.metrics.evaluator import Evaluator, data_spec, format_metrics
from lightning_gans.metrics.image import inception_weights_path
from lightning_gans.metrics.translation import TranslationMetrics, collect_pairs


class Evaluation(Callback):
    """Evaluates the generator every ``every_n_steps`` generator steps and at the end of training.

    Args:
        every_n_steps: cadence in generator steps (0 = only at the end).
        num_samples: generated samples per evaluation (2,500 = PacGAN protocol; FID wants >= 2,048).
        metrics: metric names; default per data: digits ``fid kid precision recall density coverage
            memorization class_kl classes``, toys ``modes hq reverse_kl precision recall density coverage
            energy``, other vectors the same less the first three, other images ``fid kid precision recall
            density coverage`` (add ``is`` for the Inception Score; add ``ppl`` on the digits for the perceptual
            path length in the digits network's features, ``lightning_gans.metrics.path_length``).
        feature_network: ``"auto"`` (digits network for the digits, MNIST-5k's for ``MNIST5kDataModule``,
            Inception for other images, none for vectors; for translation models on the embedded digit domains,
            each direction's target domain's network), ``"inception"``, ``"digits"``, ``"mnist5k"``.
        inception_weights: local torch-fidelity Inception weights file (else ``$LIGHTNING_GANS_INCEPTION_WEIGHTS``,
            else torch-fidelity's download in the torch hub cache; else the run stops at start-up).
        antialias: Inception resize; False = torch-fidelity's (comparable with published FIDs).
        inception_feature_dim: Inception layer for FID/KID (2048 = the standard FID).
        num_real: real images for the statistics of non-digits image data (vectors are compared with as many
            real samples as generated, ``num_samples``).
        real_split: digits split to compare with (``train`` or ``test``).
        batch_size: samples generated and scored at a time.
        seed: noise seed of the evaluation samples (the same noise at every evaluation).
        at_end: also evaluate when training ends, and print the final metrics.
        prefix: log key prefix.
    """

    def __init__(
        self,
        every_n_steps: int = 1000,
        num_samples: int = 2500,
        metrics: Sequence[str] | None = None,
        feature_network: str = "auto",
        inception_weights: str | None = None,
        antialias: bool = False,
        inception_feature_dim: int = 2048,
        num_real: int = 10000,
        real_split: str = "train",
        batch_size: int = 250,
        seed: int = 0,
        at_end: bool = True,
        prefix: str = "val/",
    ) -> None:
        if every_n_steps < 0 or num_samples < 2:
            raise ValueError("every_n_steps must be >= 0 and num_samples >= 2")
        self.every_n_steps = every_n_steps
        self.num_samples = num_samples
        self.metrics = list(metrics) if metrics else None
        self.feature_network = feature_network
        self.inception_weights = inception_weights
        self.antialias = antialias
        self.inception_feature_dim = inception_feature_dim
        self.num_real = num_real
        self.real_split = real_split
        self.batch_size = batch_size
        self.seed = seed
        self.at_end = at_end
        self.prefix = prefix
        self.evaluator: Evaluator | None = None
        self.translation: TranslationMetrics | None = None
        self._pairs: dict | None = None
        # what the real data are; saved in checkpoints for `lightning-gans evaluate`
        self.data: dict | None = None
        self.history: list[dict[str, Any]] = []
        self._last_step: int | None = None

    # ------------------------------------------------------------------------------------------ running
    def build_evaluator(self, trainer: Trainer, pl_module: LightningModule | None = None) -> Evaluator:
        """The evaluator for the run's data (cheap: networks and real statistics are built at first use)."""
        if self.evaluator is None:
            if trainer.datamodule is None:
                raise ValueError(
                    "Evaluation needs the run's data module (trainer.fit(model, datamodule=...))"
                )
            self.evaluator = Evaluator(
                data_spec(trainer.datamodule, pl_module),
                metrics=self.metrics,
                feature_network=self.feature_network,
                num_samples=self.num_samples,
                num_real=self.num_real,
                real_split=self.real_split,
                inception_weights=self.inception_weights,
                antialias=self.antialias,
                inception_feature_dim=self.inception_feature_dim,
                batch_size=self.batch_size,
                seed=self.seed,
            )
        return self.evaluator

    @property
    def last(self) -> dict[str, float] | None:
        """The metrics of the latest evaluation (without the step)."""
        return {k: v for k, v in self.history[-1].items() if k != "step"} if self.history else None

    def evaluate(self, trainer: Trainer, pl_module: LightningModule) -> dict[str, float] | None:
        """Evaluates now (rank zero), logs ``val/*`` to every logger; returns the metrics (None on other ranks)."""
        step = trainer.global_step
        self._last_step = step
        if not trainer.is_global_zero:
            return None
        if isinstance(pl_module, Translates):
            results = self.evaluate_translation(trainer, pl_module)
        else:
            results = self.build_evaluator(trainer, pl_module).evaluate(pl_module)
        self.history.append({"step": step, **results})
        logged = {f"{self.prefix}{k}": float(v) for k, v in results.items()}
        for logger in trainer.loggers:
            logger.log_metrics(logged, step=step)
        trainer.callback_metrics.update({k: torch.tensor(v) for k, v in logged.items()})
        return results

    def evaluate_translation(self, trainer: Trainer, pl_module: LightningModule) -> dict[str, float]:
        """``TranslationMetrics`` of ``pl_module`` on the first ``num_real`` test pairs (collected once)."""
        data = trainer.datamodule
        if data is None:
            raise ValueError("Evaluation needs the run's data module (trainer.fit(model, datamodule=...))")
        if self.translation is None:
            self.translation = TranslationMetrics(
                translation_feature_network(self.feature_network, data),
                self.inception_weights,
                self.batch_size,
            )
            self._pairs = collect_pairs(data.test_dataloader(), self.num_real)
        return self.translation.evaluate(pl_module, self._pairs, paired=bool(getattr(data, "paired", False)))

    @override
    def on_fit_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if isinstance(pl_module, Translates):
            if (
                trainer.datamodule is not None
                and translation_feature_network(self.feature_network, trainer.datamodule) == "inception"
            ):
                inception_weights_path(self.inception_weights)  # a missing file stops the run here, not later
            return
        if trainer.datamodule is not None:
            # every rank checks, so a missing Inception file stops all of them here, before any training step;
            # building the evaluator is cheap: no networks or real statistics yet
            self.data = self.build_evaluator(trainer, pl_module).spec.as_dict()

    @override
    def on_train_batch_end(
        self, trainer: Trainer, pl_module: LightningModule, outputs, batch, batch_idx: int
    ) -> None:
        step = trainer.global_step
        if self.every_n_steps and step % self.every_n_steps == 0 and step != self._last_step:
            self.evaluate(trainer, pl_module)

    @override
    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not self.at_end or getattr(pl_module, "preempted", False):
            return  # (a pre-empted run must end within the cluster's grace period)
        if trainer.global_step != self._last_step:
            self.evaluate(trainer, pl_module)
        if trainer.is_global_zero and self.history and self.evaluator is not None:
            protocol = "; ".join(f"{k}: {v}" for k, v in self.evaluator.protocol().items())
            rank_zero_info(
                f"Final metrics at step {self.history[-1]['step']}: {format_metrics(self.last)}\n"
                f"  protocol: {protocol}"
            )

    # ------------------------------------------------------------------------------------- checkpoints
    @override
    def state_dict(self) -> dict[str, Any]:
        # plain numbers only: the feature networks stay out of checkpoints
        state: dict[str, Any] = {"history": self.history}
        if self.data is not None:
            state["data"] = self.data
        return state

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.history = list(state_dict.get("history", []))
        if self.history:
            self._last_step = self.history[-1]["step"]


DOMAIN_NETWORKS = {"digits": "digits", "mnist5k": "mnist5k", "mnistm": "mnist5k"}
"""The shipped digit network that reads each embedded domain (MNIST-M-style digits are MNIST digits on photos;
the network sees them in grey)."""


def translation_feature_network(feature_network: str, datamodule) -> str | dict[str, str]:
    """``"auto"`` -> for the embedded digit domains (``DigitDomainsDataModule``) the shipped network of each
    direction's target domain (``{"a2b": ..., "b2a": ...}``), else Inception; an explicit name is kept."""
    if feature_network != "auto":
        return feature_network
    if type(datamodule).__name__ != "DigitDomainsDataModule":
        return "inception"
    return {"a2b": DOMAIN_NETWORKS[datamodule.target], "b2a": DOMAIN_NETWORKS[datamodule.source]}


def evaluation_data(checkpoint: dict) -> dict | None:
    """The data description an ``Evaluation`` callback stored in a checkpoint dict, if any."""
    for key, value in checkpoint.get("callbacks", {}).items():
        if str(key).startswith("Evaluation") and isinstance(value, dict) and "data" in value:
            return value["data"]
    return None


__all__ = ["Evaluation", "evaluation_data"]
