"""Every config in configs/ trains for a few steps through the real CLI.

Full configs (with a ``model:`` section) run as they are, with the length cut to 2 generator steps; fragments
(logger, trainer add-ons) run on top of configs/dcgan/digits.yaml. Sets that need a download get tiny files in
the set's real on-disk format under a temporary root.
"""

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from lightning_gans import IZIfEncoder
from lightning_gans.capabilities import Translates
from lightning_gans.checkpoint import load_model
from lightning_gans.cli import GANCLI
from lightning_gans.modules.detector import AnomalyDetector
from tests.data import fake_sets

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
ALL_CONFIGS = sorted(CONFIGS.rglob("*.yaml"))
SLOW_CONFIGS = {
    "dcgan/digits8.yaml",
    "dcgan/mnist5k.yaml",
    "pacgan/digits8_wide.yaml",
    "pacgan/mnist5k.yaml",
    "wgan_gp/mnist5k.yaml",
}
"""Image configs of the quality benchmark whose two-step test is 8-11 s (most of it the end-of-fit Evaluation in
the digits / MNIST-5k network): trained by the slow suite (CI runs both), so the default suite stays within its
5-minute budget. Their data modules and networks are covered in the default suite by the configs beside them."""


def config_params() -> list:
    """``ALL_CONFIGS`` as pytest params, those in ``SLOW_CONFIGS`` marked slow."""
    return [
        pytest.param(c, marks=pytest.mark.slow) if str(c.relative_to(CONFIGS)) in SLOW_CONFIGS else c
        for c in ALL_CONFIGS
    ]


BASE = CONFIGS / "dcgan" / "digits.yaml"
PREREQUISITES = {
    "anomaly/digits_izif.yaml": "anomaly/digits_wgan_gp.yaml",
    "anomaly/table_izif.yaml": "anomaly/table_wgan_gp.yaml",
}
"""Configs that read another run's checkpoint -> the config whose run (2 steps here) writes it."""
FINGERPRINTS = Path(__file__).with_name("fingerprints.json")
"""Config -> fingerprint of its model's weights after the 2 seeded steps below: a refactor of the training loop
must leave every seeded run the same. The engine redesign was checked bit-identical against hashes written by the
code before it (one machine); the fingerprints are now per-tensor sums and sums of squares compared to a relative
1e-4, because another CPU (AVX2 vs AVX-512 kernels, another thread count) changes the last bits of a float after
two steps but not the fourth digit, while a changed loss, phase order or noise draw moves them by 1e-2 or more.
Regenerate (only for a change that is meant to alter training) with
``LG_WRITE_FINGERPRINTS=1 pytest tests/cli/test_configs.py``."""
RELATIVE_TOLERANCE = 1e-4
ELEMENT_TOLERANCE = 1e-5
"""Per-element noise allowed on top (a tenth of the smallest learning rate of any config)."""


def weights_fingerprint(model: torch.nn.Module) -> dict[str, list[float]]:
    """State-dict key -> ``[sum, sum of squares, element count]`` of that tensor, in float64 (the stored
    fingerprints keep the first two; the count sets the noise allowance below)."""
    fingerprint = {}
    for key, tensor in model.state_dict().items():
        values = tensor.detach().cpu().double()
        fingerprint[key] = [float(values.sum()), float((values * values).sum()), values.numel()]
    return fingerprint


def fingerprint_differences(fingerprint: dict, expected: dict) -> list[str]:
    """The keys whose statistics differ by more than the tolerance (or that appear on one side only).

    A sum may differ by ``RELATIVE_TOLERANCE`` of the tensor's scale plus ``ELEMENT_TOLERANCE`` x sqrt(count):
    parameters whose gradient is numerical noise (a bias before batch or instance norm) hold values of about
    1e-6 whose last digits follow the CPU's kernels, while a training change moves every element by about one
    learning rate (>= 1e-4) and the sum by far more than that allowance."""
    differences = sorted(set(fingerprint) ^ set(expected))
    for key in sorted(set(fingerprint) & set(expected)):
        (total, squares, *count), (want_total, want_squares, *_) = fingerprint[key], expected[key]
        count = count[0] if count else 1
        # a sum can cancel to about 0: its tolerance is relative to the tensor's norm, not to the sum itself
        norm = want_squares**0.5
        sum_allowance = RELATIVE_TOLERANCE * max(abs(want_total), norm) + ELEMENT_TOLERANCE * count**0.5
        squares_allowance = RELATIVE_TOLERANCE * want_squares + ELEMENT_TOLERANCE**2 * count
        if abs(total - want_total) > sum_allowance or abs(squares - want_squares) > squares_allowance:
            differences.append(f"{key}: {[total, squares]} != {[want_total, want_squares]}")
    return differences


def check_fingerprint(name: str, model: torch.nn.Module) -> None:
    fingerprint = weights_fingerprint(model)
    if os.environ.get("LG_WRITE_FINGERPRINTS"):
        known = json.loads(FINGERPRINTS.read_text()) if FINGERPRINTS.exists() else {}
        FINGERPRINTS.write_text(
            json.dumps(known | {name: {k: v[:2] for k, v in fingerprint.items()}}, indent=1, sort_keys=True)
            + "\n"
        )
        return
    expected = json.loads(FINGERPRINTS.read_text()).get(name)
    assert expected is not None, f"no fingerprint for {name}: see FINGERPRINTS"
    differences = fingerprint_differences(fingerprint, expected)
    assert not differences, f"{name}: 2 seeded steps no longer give the same weights: {differences[:3]}"


def is_full_config(path: Path) -> bool:
    return "model" in (yaml.safe_load(path.read_text()) or {})


def prepare_data(path: Path, root: Path, monkeypatch) -> list[str]:
    """Writes the tiny on-disk set a config needs and returns the CLI overrides that point at it."""
    data = yaml.safe_load(path.read_text()).get("data", {}) if is_full_config(path) else {}
    name = data.get("class_path", "").rsplit(".", 1)[-1]
    if name == "MNISTDataModule":
        fake_sets.write_mnist(root)
    elif name == "FashionMNISTDataModule":
        fake_sets.write_fashion_mnist(root)
    elif name == "CIFAR10DataModule":
        fake_sets.patch_cifar10_md5(monkeypatch, fake_sets.write_cifar10(root))
    elif name == "CelebADataModule":
        fake_sets.patch_celeba_md5(monkeypatch, fake_sets.write_celeba(root))
    elif name == "UnpairedImageFolders":  # the reference layout, small: 40x40 images cut to 32x32 crops
        fake_sets.write_unpaired_folders(root)
        return [
            f"--data.root={root}",
            "--data.load_size=36",
            "--data.crop_size=32",
            "--data.num_workers=0",
            "--model.image_size=32",
        ]
    elif name == "ArrayDataModule":  # a table at the (relative) path the config names, as wide as its model
        model_args = yaml.safe_load(path.read_text())["model"]["init_args"]
        if "data_shape" not in model_args:  # an encoder: as wide as the GAN whose checkpoint it reads
            prerequisite = CONFIGS / PREREQUISITES[str(path.relative_to(CONFIGS))]
            model_args = yaml.safe_load(prerequisite.read_text())["model"]["init_args"]
        width = model_args["data_shape"][0]
        table = np.random.default_rng(0).normal(size=(200, width + 1))
        table[:, -1] = np.arange(200) % 2  # classes 0 and 1, for configs that name normal_classes
        labelled = (
            "label_column" in data["init_args"]
        )  # a plain table of features unless the config names one
        np.savetxt(
            data["init_args"]["data"],
            table if labelled else table[:, :width],
            delimiter=",",
            header=",".join(["x"] * width + (["label"] if labelled else [])),
            comments="",
        )
        return []
    else:
        return []
    return [f"--data.root={root}", "--data.download=false", "--data.batch_size=4", "--data.num_workers=0"]


def test_the_variant_configs_exist():
    names = {str(p.relative_to(CONFIGS)) for p in ALL_CONFIGS}
    expected = {
        "vanilla_gan/ring8.yaml",
        "vanilla_gan/grid25.yaml",
        "vanilla_gan/digits.yaml",
        "dcgan/digits.yaml",
        "dcgan/mnist.yaml",
        "dcgan/cifar10.yaml",
        "dcgan/celeba64.yaml",
        "wgan_gp/ring8.yaml",
        "wgan_gp/grid25.yaml",
        "wgan_gp/digits.yaml",
        "wgan_gp/digits8.yaml",
        "pacgan/digits8.yaml",
        "pacgan/digits8_wide.yaml",
        "dcgan/digits8.yaml",
        "dcgan/mnist5k.yaml",
        "wgan_gp/mnist5k.yaml",
        "pacgan/mnist5k.yaml",
        "wgan_gp/cifar10.yaml",
        "conditional/digits.yaml",
        "conditional/digits_imbalanced.yaml",
        "conditional/mnist.yaml",
        "conditional/cifar10.yaml",
        "infogan/digits.yaml",
        "infogan/mnist.yaml",
        "infogan/fashion_mnist.yaml",
        "bigan/digits.yaml",
        "anomaly/digits_wgan_gp.yaml",
        "anomaly/digits_izif.yaml",
        "anomaly/table_bigan.yaml",
        "anomaly/table_wgan_gp.yaml",
        "anomaly/table_izif.yaml",
        "pacgan/ring8.yaml",
        "pacgan/ring8_pack4.yaml",
        "pacgan/grid25.yaml",
        "pacgan/grid25_pack4.yaml",
    }
    assert expected <= names


def fit_two_steps(config: Path, tmp_path: Path, monkeypatch, own_root_dir: bool = False) -> GANCLI:
    """Fits ``config`` for 2 generator steps in ``tmp_path/run`` (or, with ``own_root_dir``, in the run folder the
    config names, relative to the working directory: where a later config of a pipeline looks for it)."""
    configs = [config] if is_full_config(config) else [BASE, config]
    args = ["fit", *[f"--config={c}" for c in configs]]
    args += prepare_data(configs[0], tmp_path / "data", monkeypatch)
    args += [
        "--trainer.max_steps=2",
        *([] if own_root_dir else [f"--trainer.default_root_dir={tmp_path / 'run'}"]),
        "--trainer.accelerator=cpu",
        "--trainer.devices=1",
        "--trainer.enable_progress_bar=false",
    ]
    cli = GANCLI(args=args)
    assert cli.trainer.global_step == 2
    return cli


@pytest.fixture
def one_thread():
    """One intra-op thread while a fingerprinted run trains: another thread count splits reductions differently,
    and Adam's first steps turn those last-bit differences into whole-step ones for parameters whose gradient is
    numerical noise (a conv bias before instance norm), so fingerprints are written and checked at 1 thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("config", config_params(), ids=lambda p: str(p.relative_to(CONFIGS)))
def test_config_trains_a_few_steps(config, tmp_path, monkeypatch, one_thread):
    monkeypatch.chdir(tmp_path)  # anything a config writes relative (runs/, wandb/, data/) stays in tmp_path
    prerequisite = PREREQUISITES.get(str(config.relative_to(CONFIGS)))
    if prerequisite is not None:  # e.g. the GAN whose checkpoint an encoder config reads, at its own path
        fit_two_steps(CONFIGS / prerequisite, tmp_path, monkeypatch, own_root_dir=True)
    cli = fit_two_steps(config, tmp_path, monkeypatch)
    check_fingerprint(str(config.relative_to(CONFIGS)), cli.model)
    if isinstance(cli.model, IZIfEncoder):  # an encoder, not a generator
        x = cli.datamodule.split["test"][:4]
        assert cli.model.reconstruct(x).shape == x.shape
        assert cli.model.anomaly_score(x).isfinite().all()
        assert cli.model.anomaly_threshold.isfinite()  # from the held-out normal digits
        # the checkpoint rebuilds the frozen GAN from what it stores, without the GAN's file
        cli.trainer.save_checkpoint(tmp_path / "encoder.ckpt")
        Path(cli.model.hparams.gan_ckpt).unlink()
        loaded = load_model(tmp_path / "encoder.ckpt")
        assert type(loaded.gan) is type(cli.model.gan)
        torch.testing.assert_close(loaded.anomaly_score(x), cli.model.eval().anomaly_score(x))
        return
    if isinstance(cli.model, Translates):  # CycleGAN, Pix2Pix: a real batch of A, translated to B's shape
        batch = next(iter(cli.datamodule.train_dataloader()))
        fake_b = cli.model.translate(batch["A"][:2], "a2b")
        assert fake_b.shape == batch["B"][:2].shape and fake_b.isfinite().all()
        return
    samples = cli.model.sample(4)
    assert samples.shape == (4, *cli.model.generator.data_shape)
    assert samples.isfinite().all()
    if isinstance(cli.model, AnomalyDetector):  # one-class data: threshold from the held-out normal digits
        assert cli.model.anomaly_threshold.isfinite()
    if cli.model.num_classes is not None:  # conditional configs: labels from the data reached the model
        assert cli.model.num_classes == cli.datamodule.num_classes
        assert cli.model.sample(labels=list(range(cli.model.num_classes))).isfinite().all()


def test_print_config_shows_every_setting(capsys):
    with pytest.raises(SystemExit) as exit_info:
        GANCLI(args=["fit", f"--config={BASE}", "--print_config"])
    assert exit_info.value.code == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    init_args = printed["model"]["init_args"]
    assert init_args["generator_optimizer"]["init_args"]["lr"] == 0.0002
    assert {"data_shape", "latent_dim", "d_steps", "generator", "discriminator"} <= set(init_args)
    assert printed["trainer"]["max_steps"] == 1500
    assert printed["data"]["init_args"]["image_size"] == 32


def test_the_fingerprint_tolerates_float_noise_but_not_a_training_change():
    """Another CPU's last bits pass; a difference of the size one optimizer step makes does not."""
    torch.manual_seed(0)
    model = torch.nn.Linear(64, 32)
    expected = weights_fingerprint(model)
    with torch.no_grad():
        model.weight.mul_(1 + 1e-7)  # float noise
    assert fingerprint_differences(weights_fingerprint(model), expected) == []
    with torch.no_grad():
        model.weight.add_(2e-4 * torch.randn_like(model.weight))  # one Adam step at lr 2e-4
    assert [d.split(":")[0] for d in fingerprint_differences(weights_fingerprint(model), expected)] == [
        "weight"
    ]


def test_slow_configs_name_existing_configs():
    missing = SLOW_CONFIGS - {str(p.relative_to(CONFIGS)) for p in ALL_CONFIGS}
    assert not missing, f"SLOW_CONFIGS names configs that do not exist: {sorted(missing)}"
