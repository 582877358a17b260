"""``lightning-gans evaluate``: the metrics of a checkpoint, printed with the protocol that produced them.

    lightning-gans evaluate --ckpt runs/dcgan_digits/lightning_logs/version_0/checkpoints/last.ckpt
    lightning-gans evaluate --ckpt ring8.ckpt --data ring8 --num_samples 2500 --seed 0
    lightning-gans evaluate --ckpt ring8.ckpt --data ring8 --rejection drs     # DRS-corrected samples
    lightning-gans evaluate --ckpt celeba.ckpt --config configs/dcgan/celeba64.yaml --metrics fid kid is \\
        --inception_weights /data/weights-inception-2015-12-05-6726825d.pth

The checkpoint is read with ``weights_only=True`` (``lightning_gans.checkpoint.load_gan``). The data come from,
in order: ``--data`` (``digits``, ``ring8``, ``grid25``), ``--config`` (a training config: its ``data:``
section), the ``Evaluation`` callback's record in the checkpoint, the ``config.yaml`` LightningCLI wrote for the
run (beside its ``checkpoints/`` folder, or in the logger's ``lightning_logs/version_N/``).

``--rejection drs|mh`` scores the samples of a ``lightning_gans.sampling.RejectionSampler`` instead of the plain
generator's; its discriminator is calibrated on held-out real data found the same way
(``lightning_gans.tools.held_out``), and the calibration and the acceptance rate are printed with the protocol.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import torch
import yaml

from lightning_gans.data.digits import DigitsDataModule
from lightning_gans.data.toy2d import Toy2DDataModule
from lightning_gans.errors import ConfigError
from lightning_gans.metrics.evaluator import DataSpec, Evaluator, data_spec, format_metrics
from lightning_gans.tools.options import DATA_NAMES
from lightning_gans.tools.options import evaluate_parser as parser


def named_spec(name: str, image_size: int | None) -> DataSpec:
    if name in ("ring8", "grid25"):
        return DataSpec("toy", name)
    if name == "digits":
        return DataSpec("digits", "digits", image_size or 32)
    raise ValueError(f"--data must be one of {', '.join(DATA_NAMES)} (or use --config), got {name!r}")


def datamodule_from_config(path: Path):
    """Instantiates the ``data:`` section (``class_path`` + ``init_args``) of a training config."""
    config = yaml.safe_load(Path(path).read_text()) or {}
    data = config.get("data")
    if not isinstance(data, dict) or "class_path" not in data:
        raise ValueError(f"{path} has no data: section with a class_path")
    module_name, _, class_name = data["class_path"].rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(**(data.get("init_args") or {}))


def spec_from_datamodule(datamodule, model=None) -> DataSpec:
    if not isinstance(datamodule, Toy2DDataModule | DigitsDataModule):
        # the real samples (and, without a data_shape anywhere, the sample shape) come from the train loader
        datamodule.prepare_data()
        datamodule.setup("fit")
    return data_spec(datamodule, model)


def run_config(ckpt: Path) -> Path | None:
    """The ``config.yaml`` LightningCLI wrote for the run of ``ckpt``: beside ``checkpoints/`` or in it, else the
    newest in the run folder's logger folders (``lightning_logs/version_N/config.yaml`` with a logger)."""
    for folder in (ckpt.parent, ckpt.parent.parent):
        if (folder / "config.yaml").is_file():
            return folder / "config.yaml"
    found = [p for p in ckpt.parent.parent.glob("*/version_*/config.yaml") if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def infer_spec(
    args, checkpoint: dict, ckpt: Path, image_size: int | None, model=None
) -> tuple[DataSpec, str]:
    """The real data and where that knowledge came from."""
    if args.data:
        return named_spec(args.data, image_size), "--data"
    if args.config:
        return spec_from_datamodule(datamodule_from_config(args.config), model), f"--config {args.config}"
    from lightning_gans.callbacks.evaluation import evaluation_data

    recorded = evaluation_data(checkpoint)
    if recorded and recorded.get("kind") in ("toy", "digits"):
        return named_spec(recorded["name"], recorded.get("image_size")), "the Evaluation callback's record"
    config = run_config(ckpt)
    if config is not None:
        return spec_from_datamodule(datamodule_from_config(config), model), str(config)
    raise ConfigError(
        f"Cannot tell which data {ckpt} was trained on. Pass --data ({', '.join(DATA_NAMES)}) "
        "or --config <the training config>."
    )


def evaluate(argv: list[str] | None = None) -> dict:
    args = parser().parse_args(argv)
    import lightning_gans.modules  # noqa: F401  (before lightning_gans.checkpoint, which the modules import)
    from lightning_gans.checkpoint import load_gan

    ckpt = Path(args.ckpt)
    model = load_gan(ckpt, map_location=args.device)
    checkpoint = torch.load(ckpt, map_location="cpu", weights_only=True)
    shape = getattr(model.generator, "data_shape", None)
    image_size = int(shape[-1]) if shape is not None and len(shape) == 3 else None
    spec, source = infer_spec(args, checkpoint, ckpt, image_size, model)
    if spec.kind == "digits" and image_size:
        spec.image_size = image_size
    evaluator = Evaluator(
        spec,
        metrics=args.metrics,
        feature_network=args.feature_network,
        num_samples=args.num_samples,
        num_real=args.num_real,
        real_split=args.real_split,
        inception_weights=args.inception_weights,
        antialias=args.antialias,
        batch_size=args.batch_size,
        seed=args.seed,
    )
    sampler = None
    if args.rejection is not None:
        if "ppl" in evaluator.metric_names:
            raise ConfigError(
                "ppl measures the generator's latent space, which rejection sampling does not change: drop ppl "
                "from --metrics or leave out --rejection."
            )
        if args.real_split == "test":  # the digits' held-out calibration images are that test split
            raise ConfigError(
                "--rejection calibrates the discriminator on the digits test split, so --real_split test would "
                "score the sampler on the images that tuned it: keep --real_split train (the default)."
            )
        from lightning_gans.tools.held_out import rejection_sampler

        sampler = rejection_sampler(args, model)
    metrics = evaluator.evaluate(model if sampler is None else sampler)
    baseline = None
    if spec.kind == "digits" and not args.no_baseline:
        baseline = evaluator.real_baseline()
    protocol = {
        "checkpoint": f"{ckpt} ({type(model).__name__}, generator step {checkpoint.get('global_step', '?')})",
        "data from": source,
        **evaluator.protocol(),
    }
    if sampler is not None:
        protocol["rejection"] = sampler.describe()
        protocol["calibration"] = sampler.calibration.describe()
    width = max(map(len, protocol))
    print("Protocol")
    for key, value in protocol.items():
        print(f"  {key:<{width}}  {value}")
    print("Metrics")
    for key, value in metrics.items():
        print(f"  {key:<{width}}  {format_metrics({key: value}).split('=', 1)[1]}")
    if baseline is not None:
        other = "test" if args.real_split == "train" else "train"
        print(f"Real baseline (digits {other} split vs {args.real_split} split, same features)")
        print(f"  {format_metrics({k: v for k, v in baseline.items() if k in metrics})}")
    result = {"metrics": metrics, "protocol": protocol, "real_baseline": baseline}
    if sampler is not None:
        result["rejection"] = {
            "method": args.rejection,
            "acceptance_rate": sampler.acceptance_rate,
            **sampler.calibration.as_dict(),
        }
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1))
    return result


def main(argv: list[str] | None = None) -> None:
    evaluate(argv)
