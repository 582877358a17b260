"""The held-out real data that ``sample --rejection`` and ``evaluate --rejection`` calibrate the discriminator on.

Where they come from, in the order ``evaluate`` finds the data (``--data``, ``--config``, the ``Evaluation``
callback's record, the run's ``config.yaml``):

- ``ring8`` / ``grid25``: fresh draws with a seed no training run or evaluation uses (the data are infinite, so
  any fresh draw is held out);
- ``digits`` (``DigitsDataModule``): the fixed test split, with its labels (never trained on);
- any other data module: its validation loader when it has one with samples; otherwise the first samples of its
  train loader, which the discriminator has seen (it over-fits them, so the calibration is optimistic): the
  description says so, and a validation split is the fix.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from lightning_gans.errors import ConfigError

HELD_OUT_SEED = 20240611
"""Seed of the toy sets' calibration draws: training (the data module's ``seed``) and evaluation (``--seed``)
use small seeds."""


def _toy(name: str, num: int) -> tuple[torch.Tensor, None, str]:
    from lightning_gans.data.toy2d import sample_toy

    x = sample_toy(name, num, generator=torch.Generator().manual_seed(HELD_OUT_SEED))
    return x, None, f"{num} fresh {name} draws (seed {HELD_OUT_SEED}, held out by construction)"


def _digits(image_size: int, num: int) -> tuple[torch.Tensor, torch.Tensor, str]:
    from lightning_gans.data.digits import load_digits_split

    split = load_digits_split(image_size)
    x, y = split["test"][:num], split["test_labels"][:num]
    return x, y, f"the digits test split ({len(x)} images with labels, never trained on)"


def _from_loader(loader, num: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    from lightning_gans.data.batch import split_batch

    xs, ys, have = [], [], 0
    with torch.random.fork_rng(devices=[]):  # a shuffling loader draws from the global RNG
        torch.manual_seed(0)
        for batch in loader:
            x, y = split_batch(batch)
            xs.append(x.detach().cpu())
            ys.append(None if y is None else y.detach().cpu())
            have += len(x)
            if have >= num:
                break
    if not xs:
        return torch.empty(0), None
    labels = None if any(y is None for y in ys) else torch.cat(ys)[:num]
    return torch.cat(xs)[:num], labels


def from_datamodule(datamodule, num: int, image_size: int | None = None):
    """``(x, labels or None, description)``: ``num`` held-out real samples of a data module (see module doc)."""
    from lightning_gans.data.digits import DigitsDataModule
    from lightning_gans.data.toy2d import Toy2DDataModule

    if isinstance(datamodule, Toy2DDataModule):
        return _toy(datamodule.name, num)
    if isinstance(datamodule, DigitsDataModule):
        return _digits(image_size or datamodule.image_size, num)
    name = type(datamodule).__name__
    datamodule.prepare_data()
    datamodule.setup("fit")
    validation = getattr(datamodule, "val_dataloader", None)
    if validation is not None:
        try:
            loader = validation()
        except NotImplementedError:  # LightningDataModule's default: no validation split
            loader = []
        if not isinstance(loader, list):
            x, labels = _from_loader(loader, num)
            if len(x):
                return x, labels, f"{len(x)} samples of {name}'s validation split"
    x, labels = _from_loader(datamodule.train_dataloader(), num)
    return (
        x,
        labels,
        f"the first {len(x)} samples of {name}'s train loader (no validation split: NOT held out, the "
        "discriminator saw them; give the data module a validation split for an honest calibration)",
    )


def held_out_real(args: argparse.Namespace, model, num: int) -> tuple[torch.Tensor, torch.Tensor | None, str]:
    """``(x, labels or None, description)`` for a tool's parsed ``args`` (``ckpt``, ``data``, ``config``)."""
    from lightning_gans.callbacks.evaluation import evaluation_data
    from lightning_gans.tools.evaluate import datamodule_from_config, run_config

    shape = getattr(model.generator, "data_shape", None)
    image_size = int(shape[-1]) if shape is not None and len(shape) == 3 else None
    named = args.data
    if named is None and not args.config:
        checkpoint = torch.load(args.ckpt, map_location="cpu", weights_only=True)
        recorded = evaluation_data(checkpoint)
        if recorded and recorded.get("kind") in ("toy", "digits"):
            named = recorded["name"]
    if named in ("ring8", "grid25"):
        return _toy(named, num)
    if named == "digits":
        return _digits(image_size or 32, num)
    if named is not None:
        raise ConfigError(f"--data must be ring8, grid25 or digits (or use --config), got {named!r}.")
    config = Path(args.config) if args.config else run_config(Path(args.ckpt))
    if config is None:
        raise ConfigError(
            f"--rejection needs held-out real data and cannot tell which data {args.ckpt} was trained on: pass "
            "--data (ring8, grid25, digits) or --config <the training config>."
        )
    return from_datamodule(datamodule_from_config(config), num, image_size)


def rejection_sampler(args: argparse.Namespace, model):
    """The ``RejectionSampler`` of the tools' ``--rejection`` options, calibrated; prints what it used."""
    real, labels, description = held_out_real(args, model, args.calibration_num)
    sampler = seeded_sampler(
        model,
        real,
        labels,
        seed=args.seed,
        method=args.rejection,
        proposals=args.proposals,
        gamma_percentile=args.gamma_percentile,
        ema=getattr(args, "ema", True),
    )
    print(f"Held-out real data: {description}")
    print(f"Discriminator {sampler.calibration.describe()}")
    return sampler


def seeded_sampler(model, real: torch.Tensor, labels: torch.Tensor | None = None, *, seed: int, **options):
    """A ``RejectionSampler(model, real, labels, **options)`` built as the tools build it: the calibration's
    fresh samples and DRS's burn-in come from ``seed + 2`` (the tools seed the noise with ``seed``, the labels
    with ``seed + 1``) in a forked RNG, so the same seed gives the same sampler and the caller's RNG is untouched.
    Raises ``ConfigError`` where the discriminator cannot be calibrated."""
    from lightning_gans.sampling import RejectionSampler

    devices = [model.device] if model.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed + 2)
        return RejectionSampler(model, real, labels, **options)
