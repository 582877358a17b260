"""``lightning-gans fit``: LightningCLI with any ``GAN`` and any data module.

lightning-gans fit --config configs/dcgan/digits.yaml
lightning-gans fit --config configs/dcgan/digits.yaml --config configs/logger/wandb.yaml
lightning-gans fit --config configs/dcgan/digits.yaml --print_config

The ``lightning-gans`` command itself (the subcommand registry, ``--help``, the tools) is
``lightning_gans.commands``; ``main`` is re-exported here.
"""

from __future__ import annotations

import yaml
from lightning.pytorch import LightningDataModule, LightningModule, Trainer
from lightning.pytorch.callbacks import ProgressBar
from lightning.pytorch.cli import LightningCLI, SaveConfigCallback
from typing_extensions import override

from lightning_gans.callbacks.progress import GANProgressBar
from lightning_gans.commands import find_user_error, main  # noqa: F401  (``lightning_gans.cli.main`` as before)
from lightning_gans.modules.base import GAN


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
    """LightningCLI with any ``GAN`` subclass as the model and any data module as the data.

    Adds ``GANProgressBar`` (losses as ``d_loss``/``g_loss``) unless the config has its own progress bar or
    turns the bar off.
    """

    def __init__(self, args=None, run: bool = True) -> None:
        super().__init__(
            model_class=GAN,
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
        """Only ``fit``: Lightning's ``validate``/``test``/``predict`` run the module's validation/test/predict
        steps, which a GAN does not have (its metrics come from the ``Evaluation`` callback during ``fit`` and
        from ``lightning-gans evaluate``), so they are not offered."""
        return {"fit": LightningCLI.subcommands()["fit"]}

    @override
    def instantiate_trainer(self, **kwargs) -> Trainer:
        trainer_config = self._get(self.config_init, "trainer", default={})
        callbacks = kwargs.get("callbacks", trainer_config.get("callbacks")) or []
        callbacks = list(callbacks) if isinstance(callbacks, list | tuple) else [callbacks]
        wants_bar = kwargs.get("enable_progress_bar", trainer_config.get("enable_progress_bar")) is not False
        if wants_bar and not any(isinstance(c, ProgressBar) for c in callbacks):
            kwargs["callbacks"] = [*callbacks, GANProgressBar()]
        return super().instantiate_trainer(**kwargs)

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


def fit(args: list[str] | None = None) -> None:
    """``lightning-gans fit ...``: ``args`` with the word ``fit``, or None to read ``sys.argv``."""
    GANCLI(args=args)


if __name__ == "__main__":
    main()
