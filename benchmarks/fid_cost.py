"""FID cost: seconds for a 10,000-sample FID with the digits network and with Inception, beside torch-fidelity.

Every method scores the same images: ``--samples`` generated 32x32 digits (a fixed-seed DCGAN generator; what
the weights are does not change the cost) against the digits train split (1,437 real images), all quantised
to uint8 once. Times cover feature extraction of both sets, the statistics and the Frechet distance, not the
generation.

- digits network: the shipped digits CNN through ``lightning_gans.metrics.image.ImageMetrics("digits")``
  when that module is present (issue 3); otherwise a stand-in CNN of the same shape and size (random weights,
  64-d features) through torchmetrics' ``FrechetInceptionDistance(feature=module)``. The output says which.
- Inception: torchmetrics' ``FrechetInceptionDistance`` (torch-fidelity's InceptionV3, ``antialias=False`` =
  torch-fidelity's resize) and torch-fidelity's ``calculate_metrics(fid=True)`` on the same uint8 images and
  the same weights file. Nothing can be downloaded here, so the weights are a randomly initialised InceptionV3
  saved in torch-fidelity's file format (the cost does not depend on the weights' values); pass
  ``--inception-weights`` to use the real file.

One torch thread by default: with more, idle OpenMP threads spin while a busy machine preempts their partner,
which inflates the process CPU time (seen here: 3x). Inception on a CPU costs a tenth of a CPU-second or more per
image, so a 10,000-sample run takes about half an hour of CPU per method. With ``--inception-samples n`` (default 50) each Inception method is timed at ``n`` and ``2n``
images per side and the 10,000-sample figure is the straight line through those two points, evaluated at
``--samples`` generated + 1,437 real images: it is labelled "extrapolated". ``--inception-samples 0`` skips
Inception; ``--inception-samples 10000`` measures it directly.

Usage::

    python benchmarks/fid_cost.py                       # the figures in docs/BENCHMARKS.md
    python benchmarks/fid_cost.py --samples 200 --inception-samples 4   # smoke test
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
import warnings
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path
from unittest import mock

import torch
from torch import nn

from lightning_gans.data.digits import load_digits_split
from lightning_gans.nets import DCGANGenerator
from lightning_gans.render import to_uint8

try:  # issue 3's metrics module; absent on branches that predate it
    from lightning_gans.metrics.image import ImageMetrics
except ImportError:  # pragma: no cover - depends on the branch
    ImageMetrics = None


def rgb(images: torch.Tensor) -> torch.Tensor:
    return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images


def random_inception_weights(path: Path) -> Path:
    """A randomly initialised torch-fidelity InceptionV3 saved in its weights-file format (a state dict)."""
    import torch_fidelity.feature_extractor_inceptionv3 as fe

    with (
        mock.patch.object(fe, "load_state_dict_from_url", return_value=None),
        mock.patch.object(fe.FeatureExtractorInceptionV3, "load_state_dict", return_value=None),
    ):
        torch.manual_seed(0)
        net = fe.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    torch.save(net.state_dict(), path)
    return path


@contextmanager
def timed(out: dict):
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    out["wall"], out["cpu"] = time.perf_counter() - wall, time.process_time() - cpu


class StandInDigitsNet(nn.Module):
    """Same layers and size as the digits CNN of issue 3 (three conv blocks, 64-d features), random weights."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()

        def block(i: int, o: int) -> list[nn.Module]:
            return [
                nn.Conv2d(i, o, 3, padding=1),
                nn.ReLU(),
                nn.Conv2d(o, o, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]

        self.net = nn.Sequential(
            *block(1, width), *block(width, 2 * width), *block(2 * width, 4 * width), nn.AdaptiveAvgPool2d(1)
        )
        self.embed = nn.Linear(4 * width, 64)
        self.num_features = 64

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:  # uint8 (N, 3, 32, 32) from torchmetrics
        x = images[:, :1].float() / 127.5 - 1
        return self.embed(self.net(x).flatten(1)).double()


def digits_fid(real: torch.Tensor, fake: torch.Tensor, batch_size: int) -> tuple[str, dict]:
    out: dict = {}
    if ImageMetrics is not None:
        with timed(out):
            metrics = ImageMetrics("digits", ["fid"], batch_size=batch_size)
            metrics.update_real(real)
            metrics.update_fake(fake)
            out["fid"] = metrics.compute()["fid"]
        return "digits CNN (shipped weights) via ImageMetrics", out
    from torchmetrics.image.fid import FrechetInceptionDistance

    with timed(out):
        fid = FrechetInceptionDistance(StandInDigitsNet().eval(), reset_real_features=False)
        for batch in rgb(real).split(batch_size):
            fid.update(batch, real=True)
        for batch in rgb(fake).split(batch_size):
            fid.update(batch, real=False)
        out["fid"] = float(fid.compute())
    return (
        "digits-size stand-in CNN (random weights; issue 3's network not on this branch) via torchmetrics",
        out,
    )


def torchmetrics_inception_fid(real, fake, weights: Path, batch_size: int) -> dict:
    from torchmetrics.image.fid import FrechetInceptionDistance

    out: dict = {}
    with timed(out):
        fid = FrechetInceptionDistance(
            feature=2048, feature_extractor_weights_path=str(weights), antialias=False
        )
        for batch in rgb(real).split(batch_size):
            fid.update(batch, real=True)
        for batch in rgb(fake).split(batch_size):
            fid.update(batch, real=False)
        out["fid"] = float(fid.compute())
    return out


class Uint8Images(torch.utils.data.Dataset):
    def __init__(self, images: torch.Tensor) -> None:
        self.images = rgb(images)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.images[i]


def torch_fidelity_fid(real, fake, weights: Path, batch_size: int) -> dict:
    import torch_fidelity

    out: dict = {}
    with timed(out), redirect_stdout(StringIO()), redirect_stderr(StringIO()):
        result = torch_fidelity.calculate_metrics(
            input1=Uint8Images(fake),
            input2=Uint8Images(real),
            fid=True,
            cuda=torch.cuda.is_available(),
            batch_size=batch_size,
            feature_extractor_weights_path=str(weights),
            cache=False,
            verbose=False,
        )
    out["fid"] = float(result["frechet_inception_distance"])
    return out


def linear_estimate(small: dict, large: dict, n_small: int, n_large: int, n_target: int) -> dict:
    """Cost at ``n_target`` images on the line through (n_small, small) and (n_large, large)."""
    est = {}
    for key in ("wall", "cpu"):
        slope = (large[key] - small[key]) / (n_large - n_small)
        est[key] = large[key] + slope * (n_target - n_large)
        est[f"{key}_per_image"] = slope
    return est


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=10_000, help="generated images in the FID")
    parser.add_argument(
        "--inception-samples", type=int, default=50, help="images per side timed for Inception"
    )
    parser.add_argument("--inception-weights", type=Path, help="torch-fidelity InceptionV3 weights file")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: CPU time is robust to load)"
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    logging.getLogger("torch_fidelity").setLevel(logging.ERROR)
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} torch thread(s)")

    real = to_uint8(load_digits_split(32)["train"])
    torch.manual_seed(0)
    generator = DCGANGenerator(100, 32, 1, 32).eval()
    with torch.no_grad():
        fake = torch.cat([to_uint8(generator(torch.randn(500, 100))) for _ in range(-(-args.samples // 500))])
    fake = fake[: args.samples]
    results: dict = {}
    print("| features | generated vs real | how | wall s | process CPU s | value |")
    print("|---|---|---|---:|---:|---|")

    name, res = digits_fid(real, fake, args.batch_size)
    results["digits"] = res
    print(
        f"| {name} | {args.samples} vs {len(real)} | measured | {res['wall']:.2f} | {res['cpu']:.2f} "
        f"| FID {res['fid']:.4g} |",
        flush=True,
    )

    n = args.inception_samples
    if n <= 0:
        return results
    n = max(n, 2)  # FID needs two images per side
    with tempfile.TemporaryDirectory() as tmp:
        weights = args.inception_weights or random_inception_weights(
            Path(tmp) / "weights-inception-random.pth"
        )
        methods = {
            "Inception via torchmetrics FrechetInceptionDistance": torchmetrics_inception_fid,
            "Inception via torch-fidelity calculate_metrics": torch_fidelity_fid,
        }
        if n >= args.samples:  # measured directly
            for label, fn in methods.items():
                res = results[label] = fn(real, fake, weights, args.batch_size)
                print(
                    f"| {label} | {args.samples} vs {len(real)} | measured | {res['wall']:.0f} | {res['cpu']:.0f} "
                    f"| FID {res['fid']:.4g} |",
                    flush=True,
                )
            return results
        runs: dict[str, dict] = {label: {} for label in methods}
        for size in (n, 2 * n):  # the two methods alternate, so drift on a shared machine hits both alike
            for label, fn in methods.items():
                runs[label][size] = fn(real[:size], fake[:size], weights, args.batch_size)
        for label, by_size in runs.items():
            est = linear_estimate(by_size[n], by_size[2 * n], 2 * n, 4 * n, args.samples + len(real))
            results[label] = {"small": by_size[n], "large": by_size[2 * n], "estimate": est}
            how = f"extrapolated from {2 * n} and {4 * n} images ({est['cpu_per_image']:.3f} CPU s/image)"
            print(
                f"| {label} | {args.samples} vs {len(real)} | {how} | {est['wall']:.0f} | {est['cpu']:.0f} "
                f"| FID at {4 * n} images: {by_size[2 * n]['fid']:.4g} |",
                flush=True,
            )
    return results


if __name__ == "__main__":
    main()
