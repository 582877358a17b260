"""The ``lightning-gans`` command: LightningCLI for ``fit``/``validate``/``test`` plus generation tools.

lightning-gans fit --config configs/dcgan/digits.yaml
lightning-gans fit --config configs/dcgan/digits.yaml --config configs/logger/wandb.yaml
lightning-gans fit --config configs/dcgan/digits.yaml --print_config
lightning-gans sample --ckpt PATH --num 1000 --out DIR        (see lightning_gans/tools/sample.py)
lightning-gans interpolate --ckpt PATH                          (see lightning_gans/tools/interpolate.py)
lightning-gans evaluate --ckpt PATH [--num_samples 2500]         (see lightning_gans/tools/evaluate.py)
lightning-gans score --ckpt PATH --data DIR_OR_CSV --out scores.csv (see lightning_gans/tools/score.py)
"""

from __future__ import annotations

import importlib
import sys

import yaml
from lightning.pytorch import LightningDataModule, LightningModule, Trainer
from lightning.pytorch.callbacks import ProgressBar
from lightning.pytorch.cli import LightningCLI, SaveConfigCallback
from typing_extensions import override

from lightning_gans.callbacks.progress import GANProgressBar
from lightning_gans.errors import user_errors

TOOLS = {
    "sample": "lightning_gans.tools.sample",
    "interpolate": "lightning_gans.tools.interpolate",
    "evaluate": "lightning_gans.tools.evaluate",
    "score": "lightning_gans.tools.score",
}
"""Subcommands outside LightningCLI: name -> module with ``main(argv)``."""


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


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and of ``python -m lightning_gans``.

    Errors a user can fix (bad data folder, corrupt image, shape or setting mismatch, divergence; see
    ``lightning_gans.errors``) are printed as one ``lightning-gans: error: ...`` line without a traceback, with
    exit status 1. Bad arguments and unknown config keys are refused by the argument parser (status 2).
    """
    try:
        args = sys.argv[1:] if argv is None else list(argv)
        if args and args[0] in TOOLS:
            importlib.import_module(TOOLS[args[0]]).main(args[1:])
            return
        if args in ([], ["-h"], ["--help"]):
            print(
                "Generation tools: `lightning-gans sample --help`, `lightning-gans interpolate --help`; "
                "metrics: `lightning-gans evaluate --help`.\n"
            )
        GANCLI(args=argv)  # None: LightningCLI reads sys.argv itself (and warns when given both)
    except Exception as err:
        user_error = find_user_error(err)
        if user_error is None:
            raise
        print(f"lightning-gans: error: {user_error}", file=sys.stderr)
        raise SystemExit(1) from err


def find_user_error(err: BaseException) -> BaseException | None:
    """``err`` or the first of its causes that is a user error (jsonargparse wraps errors raised while it
    instantiates the model in a "Does not validate against any of the Union subtypes" ValueError)."""
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, user_errors()):
            return err
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return None


if __name__ == "__main__":
    main()
