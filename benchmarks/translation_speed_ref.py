"""The reference side of ``benchmarks/translation_speed.py``: times training steps of junyanz/pytorch-CycleGAN-and-pix2pix.

Runs in the reference's own environment (``.venv-ref``: torch, torchvision, numpy and Pillow, what its option
and model packages import) as a separate process, with the reference's source tree on ``sys.path``; it imports
nothing of this project. One case per process: the driver passes it as JSON (``translation_speed.py``'s
``SpeedCase`` fields) and reads one JSON line back from stdout (the reference's own prints go to stderr).

The model is built the way its ``train.py`` builds it: ``TrainOptions`` parsed from a command line
(``--model cycle_gan`` / ``pix2pix``, ``--netG resnet_<n>blocks``, ``--netD n_layers``, ``--ngf``/``--ndf``,
``--input_nc``/``--output_nc``, ``--batch_size``; every other option at its default: instance norm, LSGAN, pool 50
and identity 0.5 for CycleGAN; batch norm, vanilla GAN, no pool and L1 x 100 for pix2pix), ``create_model`` and
``model.setup``. One exception: its ``define_G`` offers U-Nets for 128 and 256 px only (``unet_128``/``unet_256``,
7 and 8 downsamplings), so for pix2pix at 32x32 the generator is its own ``networks.UnetGenerator`` with
``log2(image_size)`` downsamplings (5), put in place of ``netG`` before ``setup`` with its Adam re-made on it, as
``Pix2PixModel.__init__`` makes it.

A step is what its ``train.py`` does per batch, less the data loader: ``model.set_input(batch)`` (a dict of random
tensors of the right shapes, made once) and ``model.optimize_parameters()`` (one generator and one
discriminator update). Per step: process CPU time and wall time.

Usage (normally called by ``translation_speed.py``)::

    .venv-ref/bin/python benchmarks/translation_speed_ref.py --ref-dir .ref/pytorch-CycleGAN-and-pix2pix \\
        --case '{"name": "mnistm_clean", "model": "pix2pix", "channels_a": 3, "channels_b": 1, ...}'
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import tempfile
import time

import torch


def ref_command_line(case: dict, checkpoints_dir: str) -> list[str]:
    """The reference's ``train.py`` command line for ``case`` (``--dataroot`` is required but never read)."""
    net_g = "unet_128" if case["model"] == "pix2pix" else f"resnet_{case['n_blocks']}blocks"
    return [
        "train.py",
        "--dataroot",
        "unused",
        "--checkpoints_dir",
        checkpoints_dir,
        "--name",
        "speed",
        "--model",
        "pix2pix" if case["model"] == "pix2pix" else "cycle_gan",
        "--input_nc",
        str(case["channels_a"]),
        "--output_nc",
        str(case["channels_b"]),
        "--ngf",
        str(case["width"]),
        "--ndf",
        str(case["width"]),
        "--netG",
        net_g,
        "--netD",
        "n_layers",
        "--n_layers_D",
        str(case["n_layers"]),
        "--batch_size",
        str(case["batch_size"]),
        "--load_size",
        str(case["image_size"]),
        "--crop_size",
        str(case["image_size"]),
    ]


def build(case: dict, checkpoints_dir: str):
    """The reference's model for ``case``, set up for training on the CPU."""
    from models import create_model, networks
    from options.train_options import TrainOptions
    from util.util import init_ddp

    sys.argv = ref_command_line(case, checkpoints_dir)
    opt = TrainOptions().parse()
    opt.device = init_ddp()  # the CPU here (no CUDA in .venv-ref's use, no torchrun)
    model = create_model(opt)
    if case["model"] == "pix2pix":
        # its define_G has no U-Net below 128 px: its own UnetGenerator class with log2(size) downsamplings
        num_downs = int(math.log2(case["image_size"]))
        norm = networks.get_norm_layer(opt.norm)
        model.netG = networks.UnetGenerator(
            opt.input_nc, opt.output_nc, num_downs, opt.ngf, norm_layer=norm, use_dropout=not opt.no_dropout
        )
        model.optimizer_G = torch.optim.Adam(model.netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
        model.optimizers = [model.optimizer_G, model.optimizer_D]
    model.setup(opt)
    return model


def batch(case: dict) -> dict:
    """``{"A": (N, C_a, S, S), "B": (N, C_b, S, S), "A_paths", "B_paths"}`` of uniform values in [-1, 1]."""
    g = torch.Generator().manual_seed(0)
    n, s = case["batch_size"], case["image_size"]
    return {
        "A": torch.rand(n, case["channels_a"], s, s, generator=g) * 2 - 1,
        "B": torch.rand(n, case["channels_b"], s, s, generator=g) * 2 - 1,
        "A_paths": ["a"] * n,
        "B_paths": ["b"] * n,
    }


def networks_parameters(model) -> dict[str, int]:
    """Parameters per network (``G_A``, ``D_A``, ... / ``G``, ``D``): the check that both sides built the same."""
    return {
        name: sum(p.numel() for p in getattr(model, "net" + name).parameters()) for name in model.model_names
    }


def time_steps(case: dict, ref_dir: str, warmup: int, steps: int) -> dict:
    """``{"cpu_s": [...], "wall_s": [...]}`` per timed step (after ``warmup`` untimed ones), the networks'
    parameter counts and torch's version."""
    sys.path.insert(0, ref_dir)
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(sys.stderr):
        torch.manual_seed(0)
        model = build(case, tmp)
        data = batch(case)
        cpu, wall = [], []
        for i in range(warmup + steps):
            c0, w0 = time.process_time(), time.perf_counter()
            model.set_input(data)
            model.optimize_parameters()
            c1, w1 = time.process_time(), time.perf_counter()
            if i >= warmup:
                cpu.append(c1 - c0)
                wall.append(w1 - w0)
        return {
            "cpu_s": cpu,
            "wall_s": wall,
            "parameters": networks_parameters(model),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
        }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ref-dir", required=True, help="the reference's source tree (its train.py's folder)")
    p.add_argument("--case", required=True, help="the case as JSON (translation_speed.py's SpeedCase fields)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = time_steps(json.loads(args.case), args.ref_dir, args.warmup, args.steps)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
