"""``lightning-gans fit``: LightningCLI with any ``GAN`` and any data module.

lightning-gans fit --config configs/dcgan/digits.yaml
lightning-gans fit --config configs/dcgan/digits.yaml --config configs/logger/wandb.yaml
lightning-gans fit --config configs/dcgan/digits.yaml --print_config

The ``lightning-gans`` command itself (the subcommand registry, ``--help``, the tools) is
``lightning_gans.commands``; ``main`` is re-exported here.
"""

from __future__ import annotations

import os

import yaml
from lightning.pytorch import LightningDataModule, LightningModule, Trainer
from lightning.pytorch.callbacks import ModelCheckpoint, ProgressBar
from lightning.pytorch.cli import LightningCLI, SaveConfigCallback
from typing_extensions import override

from lightning_gans import preemption
from lightning_gans.callbacks.progress import GANProgressBar
from lightning_gans.commands import find_user_error, main  # noqa: F401  (``lightning_gans.cli.main`` as before)


class LoggerSaveConfigCallback(SaveConfigCallback):
    """Saves ``config.yaml`` to the run folder and sends the whole config to every logger as hyperparameters.

    W&B then shows the model, data and trainer settings of the run (under ``config``), not only the model's.
    """

    @override
    def save_config(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        config = yaml.safe_load(self.parser.dump(self.config, skip_none=False))
        for logger in trainer.loggers:
            logger.log_hyperparams({"config": config})


class GANCLI(LightningCLI):
    """LightningCLI with any lightning-gans module as the model (a ``GAN`` subclass, or ``IZIfEncoder``, which
    trains an encoder for a GAN and is not one) and any data module as the data.

    Adds ``GANProgressBar`` (losses as ``d_loss``/``g_loss``) unless the config has its own progress bar or
    turns the bar off.
    """

    def __init__(self, args=None, run: bool = True) -> None:
        super().__init__(
            model_class=LightningModule,
            datamodule_class=LightningDataModule,
            subclass_mode_model=True,
            subclass_mode_data=True,
            save_config_callback=LoggerSaveConfigCallback,
            save_config_kwargs={"overwrite": True},
            args=args,
            run=run,
        )

    @staticmethod
    @override
    def subcommands() -> dict[str, set[str]]:
        """``fit``, and ``test`` for the anomaly detectors (``BiGAN``, ``IZIfEncoder``: AUROC, AUPRC, F1 on the
        data module's test split). Lightning's ``validate``/``predict`` run steps a GAN does not have (its metrics
        come from the ``Evaluation`` callback during ``fit`` and from ``lightning-gans evaluate``)."""
        subcommands = LightningCLI.subcommands()
        return {"fit": subcommands["fit"], "test": subcommands["test"]}

    @override
    def instantiate_trainer(self, **kwargs) -> Trainer:
        trainer_config = self._get(self.config_init, "trainer", default={})
        callbacks = kwargs.get("callbacks", trainer_config.get("callbacks")) or []
        callbacks = list(callbacks) if isinstance(callbacks, list | tuple) else [callbacks]
        wants_bar = kwargs.get("enable_progress_bar", trainer_config.get("enable_progress_bar")) is not False
        if wants_bar and not any(isinstance(c, ProgressBar) for c in callbacks):
            kwargs["callbacks"] = [*callbacks, GANProgressBar()]
        trainer = super().instantiate_trainer(**kwargs)
        checkpoints_follow_run_folder(trainer)
        return trainer

    @override
    def before_instantiate_classes(self) -> None:
        # The configs add a ModelCheckpoint (for `--ckpt_path last`); `--trainer.enable_checkpointing false`
        # then means "drop it" rather than Lightning's error about a ModelCheckpoint with checkpointing off.
        config = self.config.get(self.subcommand, self.config) if self.subcommand else self.config
        trainer = config.get("trainer")
        if trainer is None or trainer.get("enable_checkpointing") is not False:
            return
        callbacks = trainer.get("callbacks") or []
        trainer["callbacks"] = [
            c for c in callbacks if not str(getattr(c, "class_path", "")).endswith(".ModelCheckpoint")
        ]


def checkpoints_follow_run_folder(trainer: Trainer) -> None:
    """Every ``ModelCheckpoint`` without a ``dirpath`` saves to ``<default_root_dir>/checkpoints``.

    The run folder is ``trainer.default_root_dir``: two runs with different folders (two seeds, say) never share
    a checkpoint file, and ``--ckpt_path last`` resumes the run the folder names. Lightning's own default
    (``<logger's version folder>/checkpoints``) cannot work with ``--ckpt_path last``: the logger opens a new
    version folder for every run, so "last" is looked for where nothing was saved yet. A second fresh run in
    the same folder does not overwrite the first's ``last.ckpt``: ModelCheckpoint writes ``last-v1.ckpt``, and
    ``--ckpt_path last`` takes the newest.
    """
    for callback in trainer.checkpoint_callbacks:
        if isinstance(callback, ModelCheckpoint) and callback.dirpath is None:
            callback.dirpath = os.path.realpath(os.path.join(trainer.default_root_dir, "checkpoints"))


def fit(args: list[str] | None = None) -> None:
    """``lightning-gans fit ...``: ``args`` with the word ``fit``, or None to read ``sys.argv``.

    A run stopped by SIGTERM (``lightning_gans.preemption``) exits with status 143: interrupted, not finished.
    """
    cli = GANCLI(args=args)
    if getattr(cli.model, "preempted", False):
        raise SystemExit(preemption.EXIT_STATUS)


if __name__ == "__main__":
    main()
