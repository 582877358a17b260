"""The ``lightning-gans`` command: LightningCLI for ``fit``/``validate``/``test`` plus generation tools.

lightning-gans fit --config configs/dcgan/digits.yaml
lightning-gans fit --config configs/dcgan/digits.yaml --print_config
"""

from __future__ import annotations

from lightning.pytorch import LightningDataModule
from lightning.pytorch.cli import LightningCLI

from lightning_gans.modules.base import GAN


class GANCLI(LightningCLI):
    """LightningCLI with any ``GAN`` subclass as the model and any data module as the data."""

    def __init__(self, args=None, run: bool = True) -> None:
        super().__init__(
            model_class=GAN,
            datamodule_class=LightningDataModule,
            subclass_mode_model=True,
            subclass_mode_data=True,
            save_config_kwargs={"overwrite": True},
            args=args,
            run=run,
        )


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and of ``python -m lightning_gans``."""
    GANCLI(args=argv)


if __name__ == "__main__":
    main()
