"""Variants are recipes over ``GAN``: their own options plus every ``GAN`` option through ``**kwargs``, and the
CLI (``--print_config``), the constructor and the docstrings still show all of them."""

from __future__ import annotations

import inspect

import pytest
import yaml

import lightning_gans
from lightning_gans.cli import GANCLI
from lightning_gans.errors import ConfigError
from lightning_gans.modules.gan import GAN

GAN_OPTIONS = [
    p
    for p in inspect.signature(GAN.__init__).parameters
    if p not in ("self", "generator", "discriminator", "latent_dim")
]
VARIANTS = ["VanillaGAN", "DCGAN", "WGANGP", "InfoGAN", "BiGAN"]
REFUSED = {
    "InfoGAN": {"num_classes", "fake_labels", "ac_weight", "pack"},
    "BiGAN": {"num_classes", "fake_labels", "ac_weight", "pack"},
}
"""Options of GAN a family refuses to change (conditioning, packing): listed by the CLI, refused with the fix."""


@pytest.mark.parametrize("name", VARIANTS)
def test_print_config_lists_every_option_of_the_variant(name, capsys):
    with pytest.raises(SystemExit) as info:
        GANCLI(
            args=[
                "fit",
                f"--model=lightning_gans.{name}",
                "--data=lightning_gans.Toy2DDataModule",
                "--print_config",
            ]
        )
    assert info.value.code == 0
    init_args = yaml.safe_load(capsys.readouterr().out)["model"]["init_args"]
    own = [
        p
        for p in inspect.signature(getattr(lightning_gans, name).__init__).parameters
        if p not in ("self", "kwargs")
    ]
    missing = [
        o
        for o in [*own, *GAN_OPTIONS]
        if o not in init_args and o not in ("generator", "discriminator", "encoder")
    ]
    assert not missing, missing


@pytest.mark.parametrize("name", VARIANTS)
def test_the_docstring_names_every_option(name):
    doc = inspect.getdoc(getattr(lightning_gans, name))
    missing = [o for o in GAN_OPTIONS if o not in doc and o not in REFUSED.get(name, set())]
    assert not missing, missing


@pytest.mark.parametrize("name", ["InfoGAN", "BiGAN"])
def test_families_refuse_conditioning_with_the_fix(name):
    with pytest.raises(
        ConfigError,
        match="Remove model num_classes",
    ):
        getattr(lightning_gans, name)(num_classes=10)


def test_options_reach_gan_through_kwargs():
    model = lightning_gans.DCGAN(
        data_shape=[1, 16, 16],
        generator_width=4,
        discriminator_width=4,
        d_steps=3,
        generator_clip_val=1.0,
        on_nonfinite="skip",
    )
    assert (model.d_steps, model.generator_clip_val, model.on_nonfinite) == (3, 1.0, "skip")
    assert model.hparams["d_steps"] == 3 and model.hparams["generator_clip_val"] == 1.0
