"""Speed against the peers: the same GAN trained by this library, TorchGAN, Mimicry and a plain PyTorch loop.

Run it with ``make bench-peers``: the peers' old pins live in a separate environment (``.venv-peers``: the
project's lock synced into it, then ``torchgan==0.1.0`` and ``torch-mimicry==0.1.16 --no-deps`` added), so the
project's ``uv.lock`` never sees them.

What is compared (``--cases``): DCGAN-32 and WGAN-GP-32 (the library's Radford networks, identical initial
weights for every runner) on the same in-memory digits (1,437 training images, 32x32, batch 64, on the device):

- ``ours``: ``DCGAN`` / ``WGANGP`` through ``Trainer.fit`` (``benchmarks/speed.py``'s runner: TensorBoard logger
  every 50 steps, no progress bar, no checkpointing).
- ``plain``: ``benchmarks/speed.py``'s hand-written loop doing exactly our updates: the floor.
- ``torchgan``: TorchGAN 0.1.0's ``Trainer`` with our networks wrapped in its ``Generator``/``Discriminator``
  base classes and its own losses (minimax with logits; Wasserstein + ``WassersteinGradientPenalty(10)``).
- ``mimicry``: Mimicry 0.1.16's ``Trainer`` with our networks wrapped in its DCGAN / WGAN-GP base classes (their
  ``train_step`` methods hold the losses), console printing and image/checkpoint saving pushed out of the run.

How each library structures a generator step is its own and is part of what is measured (docs/BENCHMARKS.md,
"Peers", says what differs): TorchGAN does one discriminator update per data batch and a generator update every
``ncritic`` batches, and makes the generator's fakes again for the generator update (and again for the gradient
penalty, itself a separate critic update); Mimicry takes a new real batch for every critic step and makes new
fakes for the generator update; ours and the plain loop reuse the last critic step's fakes.

The figure is process CPU time per generator step between generator step ``warmup`` and ``warmup + steps``
(counted by a post-step hook on the generator's optimizer, so every runner is timed the same way), one torch
thread, runners alternated with the order rotating every repeat; medians over repeats and ratios to ``plain``.

Usage::

    make bench-peers                                     # the table in docs/BENCHMARKS.md
    .venv-peers/bin/python benchmarks/peers.py --repeats 1 --steps 3 --warmup 1   # smoke test
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import statistics
import sys
import tempfile
import time
import types
import warnings
from pathlib import Path

import torch
from lightning.pytorch import Callback, Trainer
from lightning.pytorch.loggers import TensorBoardLogger

sys.path.insert(0, str(Path(__file__).resolve().parent))
import speed  # noqa: E402  (benchmarks/speed.py: cases, clocks, our runner and the plain loop)

from lightning_gans import WGANGP, DigitsDataModule  # noqa: E402
from lightning_gans.data.tensor_loader import TensorBatchLoader  # noqa: E402

os.environ.setdefault("TENSORBOARD_LOGGING", "0")  # TorchGAN's logger: no TensorBoard writer of its own


class RGBDigitsDataModule(DigitsDataModule):
    """The digits with the grey channel repeated 3 times: Mimicry's gradient penalty assumes 3 channels
    (``alpha.view(N, 3, H, W)``), so the WGAN-GP case runs on RGB digits for every runner."""

    @property
    def data_shape(self) -> tuple[int, int, int]:
        return (3, self.image_size, self.image_size)

    def setup(self, stage: str | None = None) -> None:
        if self.split is None:
            super().setup(stage)
            self.split = {
                k: v.expand(-1, 3, -1, -1).contiguous() if v.dim() == 4 else v for k, v in self.split.items()
            }


CASES = {
    "dcgan32-digits": speed.CASES["dcgan32-digits"],
    "wgangp32-digits-rgb": speed.Case(
        "WGAN-GP-32 RGB digits (bs 64, 5 D steps)",
        lambda: WGANGP(data_shape=[3, 32, 32], latent_dim=100, generator_width=32, critic_width=32),
        lambda: RGBDigitsDataModule(image_size=32, batch_size=64),
        steps=6,
        warmup=2,
        wasserstein=True,
    ),
}
RUNNERS = ("ours", "plain", "torchgan", "mimicry")


class EnoughSteps(Exception):
    """Raised from the generator optimizer's post-step hook to leave a peer's training loop."""


class StepCounter:
    """What runs after every generator update (a post-step hook on the generator's optimizer, the one place
    every runner shares): ``clock`` ticks, and ``probe`` (time to quality) evaluates now and then. Raises
    ``EnoughSteps`` when the run is complete."""

    def __init__(self, clock: speed.Clock | None = None, probe: QualityProbe | None = None) -> None:
        self.clock, self.probe = clock, probe

    def after_generator_step(self, sampler) -> None:
        done = self.clock.tick() if self.clock is not None else False
        if self.probe is not None:
            done = self.probe.after_generator_step(sampler) or done
        if done:
            raise EnoughSteps

    def attach(self, optimizer: torch.optim.Optimizer, sampler):
        return optimizer.register_step_post_hook(lambda opt, args, kwargs: self.after_generator_step(sampler))


class NetSampler:
    """``sample(n)`` for a peer's generator network (eval mode, no EMA: the peers keep none), as the
    ``Evaluator`` expects of a model."""

    def __init__(self, net: torch.nn.Module, latent_dim: int, device: torch.device) -> None:
        self.net, self.latent_dim, self.device = net, latent_dim, device

    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        was_training = self.net.training
        self.net.eval()
        try:
            return self.net(torch.randn(n, self.latent_dim, device=self.device))
        finally:
            self.net.train(was_training)


class QualityProbe:
    """Time to quality: every ``every`` generator steps, the digits FID (digits network, ``num_samples``
    samples against the train split) of the generator; done when it is at most ``bar`` or after ``max_steps``.
    The time spent evaluating is taken out of the run's clocks."""

    def __init__(self, bar: float, every: int, max_steps: int, num_samples: int) -> None:
        from lightning_gans.metrics.evaluator import DataSpec, Evaluator

        self.evaluator = Evaluator(DataSpec("digits", "digits", 32), metrics=["fid"], num_samples=num_samples)
        self.bar, self.every, self.max_steps = bar, every, max_steps
        self.steps = 0
        self.start = (time.perf_counter(), time.process_time())
        self.excluded = [0.0, 0.0]
        self.history: list[dict] = []

    def after_generator_step(self, sampler) -> bool:
        self.steps += 1
        if self.steps % self.every and self.steps < self.max_steps:
            return False
        before = (time.perf_counter(), time.process_time())
        fid = self.evaluator.evaluate(sampler)["fid"]
        after = (time.perf_counter(), time.process_time())
        self.history.append(
            {
                "step": self.steps,
                "fid": fid,
                "wall": before[0] - self.start[0] - self.excluded[0],
                "cpu": before[1] - self.start[1] - self.excluded[1],
            }
        )
        self.excluded = [self.excluded[0] + after[0] - before[0], self.excluded[1] + after[1] - before[1]]
        return fid <= self.bar or self.steps >= self.max_steps


class LabelledDigits:
    """A digits module's training split on ``device`` in shuffled batches of ``(images, zeros)``, re-iterable, with a
    ``batch_size`` attribute (what TorchGAN's and Mimicry's trainers expect of a DataLoader)."""

    def __init__(self, data: DigitsDataModule, device: torch.device) -> None:
        data.setup()
        batch_size = data.batch_size
        self.batch_size = batch_size
        self.epoch = 0
        self.loader = TensorBatchLoader(
            data.split["train"].to(device), batch_size, 0, epoch=lambda: self.epoch
        )

    def __iter__(self):
        for batch in self.loader:
            images = batch[0] if isinstance(batch, tuple | list) else batch
            yield images, torch.zeros(images.shape[0], dtype=torch.long, device=images.device)
        self.epoch += 1

    def __len__(self) -> int:
        return len(self.loader)


def networks(case: speed.Case, init_state: dict, device: torch.device):
    """Our generator and discriminator for ``case``, with the shared initial weights, and the model."""
    model = case.make_model()
    model.load_state_dict(init_state)
    model.to(device).train()
    return model, model.generator, model.discriminator


def adam_settings(model) -> dict:
    """The Adam settings of our variant (DCGAN: 2e-4, (0.5, 0.999); WGAN-GP: 1e-4, (0, 0.9)), for every runner."""
    group = model.configure_optimizers()[0].param_groups[0]
    return {"lr": group["lr"], "betas": group["betas"]}


# ------------------------------------------------------------------------------------------------ TorchGAN
def run_torchgan(case, init_state, device, counter: StepCounter, log_dir: str) -> None:
    from torchgan import losses as tg_losses
    from torchgan.models import Discriminator, Generator
    from torchgan.trainer import Trainer

    model, G, D = networks(case, init_state, device)

    class WrappedGenerator(Generator):
        def __init__(self, net):
            super().__init__(encoding_dims=net.latent_dim, label_type="none")
            self.net = net

        def forward(self, z, feature_matching=False):
            return self.net(z)

    class WrappedDiscriminator(Discriminator):
        def __init__(self, net):
            super().__init__(input_dims=1, label_type="none")
            self.net = net

        def forward(self, x, feature_matching=False):
            return self.net(x)

    adam = {"name": torch.optim.Adam, "args": adam_settings(model)}
    if case.wasserstein:
        losses = [
            tg_losses.WassersteinGeneratorLoss(),
            tg_losses.WassersteinDiscriminatorLoss(),
            tg_losses.WassersteinGradientPenalty(lambd=model.gp_weight),
        ]
    else:
        losses = [tg_losses.MinimaxGeneratorLoss(), tg_losses.MinimaxDiscriminatorLoss()]
    trainer = Trainer(
        {
            "generator": {"name": WrappedGenerator, "args": {"net": G}, "optimizer": dict(adam)},
            "discriminator": {"name": WrappedDiscriminator, "args": {"net": D}, "optimizer": dict(adam)},
        },
        losses,
        device=device,
        ncritic=model.d_steps,
        epochs=10**6,
        checkpoints=f"{log_dir}/torchgan/gan",
        recon=f"{log_dir}/torchgan/images",
        log_dir=f"{log_dir}/torchgan",
    )
    # As for ours and Mimicry: no checkpoint or image files during the timed run. TorchGAN writes both at every
    # epoch end (22 batches here) and has no setting to turn them off; its loss/gradient bookkeeping stays.
    trainer.save_model = lambda *args, **kwargs: None
    trainer.logger.logger_end_epoch = []
    hook = counter.attach(trainer.optimizer_generator, NetSampler(G, model.latent_dim, device))
    try:
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):  # a summary every epoch
            trainer(LabelledDigits(case.make_data(), device))
    except EnoughSteps:
        pass
    finally:
        hook.remove()


# ------------------------------------------------------------------------------------------------ Mimicry
def import_mimicry():
    """Mimicry 0.1.16 imports ``torch._six`` (gone from torch) and, through its metrics package, TensorFlow (only
    for its own FID code, unused here): stub both before the import."""
    if "torch._six" not in sys.modules:
        six = types.ModuleType("torch._six")
        six.PY3, six.string_classes = True, (str, bytes)
        sys.modules["torch._six"] = six
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        sys.modules["tensorflow"] = types.ModuleType("tensorflow")
    import torch_mimicry

    return torch_mimicry


def run_mimicry(case, init_state, device, counter: StepCounter, log_dir: str) -> None:
    mmc = import_mimicry()
    from torch_mimicry.nets.dcgan.dcgan_base import DCGANBaseDiscriminator, DCGANBaseGenerator
    from torch_mimicry.nets.wgan_gp.wgan_gp_base import WGANGPBaseDiscriminator, WGANGPBaseGenerator

    model, G, D = networks(case, init_state, device)
    base_g, base_d = (
        (WGANGPBaseGenerator, WGANGPBaseDiscriminator)
        if case.wasserstein
        else (DCGANBaseGenerator, DCGANBaseDiscriminator)
    )

    class WrappedGenerator(base_g):
        def __init__(self, net):
            super().__init__(nz=net.latent_dim, ngf=0, bottom_width=4)
            self.net = net

        def forward(self, z):
            return self.net(z)

    class WrappedDiscriminator(base_d):
        def __init__(self, net):
            kwargs = {"gp_scale": model.gp_weight} if case.wasserstein else {}
            super().__init__(ndf=0, **kwargs)
            self.net = net

        def forward(self, x):
            return self.net(x).view(-1, 1)  # Mimicry's losses take (N, 1) logits

    netG, netD = WrappedGenerator(G).to(device), WrappedDiscriminator(D).to(device)
    settings = adam_settings(model)
    optG = torch.optim.Adam(netG.parameters(), **settings)
    optD = torch.optim.Adam(netD.parameters(), **settings)
    trainer = mmc.training.Trainer(
        netD=netD,
        netG=netG,
        optD=optD,
        optG=optG,
        dataloader=LabelledDigits(case.make_data(), device),
        num_steps=10**9,
        log_dir=f"{log_dir}/mimicry",
        device=device,
        n_dis=model.d_steps,
        print_steps=10**9,  # its default prints a line every step
        vis_steps=10**9,
        save_steps=10**9,
        log_steps=speed.LOG_EVERY,
    )
    hook = counter.attach(optG, NetSampler(G, model.latent_dim, device))
    try:
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            trainer.train()
    except EnoughSteps:
        pass
    finally:
        hook.remove()


# ---------------------------------------------------------------------------------------- ours and plain
class CounterCallback(Callback):
    """Attaches ``counter`` to the generator's optimizer when training starts; the module samples itself
    (with its EMA generator: part of this library's recipe)."""

    def __init__(self, counter: StepCounter) -> None:
        self.counter = counter

    def on_train_start(self, trainer, pl_module) -> None:
        self.counter.attach(trainer.optimizers[0], pl_module)


def run_ours(case, init_state, device, counter: StepCounter, log_dir: str) -> None:
    model = case.make_model()
    model.load_state_dict(init_state)
    trainer = Trainer(
        accelerator=device.type,
        devices=1,
        max_epochs=-1,
        logger=TensorBoardLogger(log_dir, name="bench"),
        log_every_n_steps=speed.LOG_EVERY,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[CounterCallback(counter)],
    )
    with contextlib.suppress(EnoughSteps):
        trainer.fit(model, case.make_data())


def run_plain(case, init_state, device, counter: StepCounter, log_dir: str) -> None:
    """``benchmarks/speed.py``'s plain loop, which ticks its own clock; time to quality is not run for it."""
    clock = speed.run_plain(case, init_state, device, counter.clock.warmup, counter.clock.steps, log_dir)
    counter.clock.marks = clock.marks


RUN = {"ours": run_ours, "plain": run_plain, "torchgan": run_torchgan, "mimicry": run_mimicry}


def bench(key: str, device: torch.device, warmup: int, steps: int, repeats: int, runners) -> dict:
    case = CASES[key]
    torch.manual_seed(0)
    init_state = copy.deepcopy(case.make_model().state_dict())
    cpu = {k: [] for k in runners}
    wall = {k: [] for k in runners}
    with tempfile.TemporaryDirectory() as log_dir:
        for r in range(repeats):
            order = list(runners[r % len(runners) :]) + list(runners[: r % len(runners)])
            for k in order:
                torch.manual_seed(r)
                clock = speed.Clock(warmup, steps, device)
                RUN[k](case, init_state, device, StepCounter(clock=clock), f"{log_dir}/{k}{r}")
                cpu[k].append(clock.cpu_per_step)
                wall[k].append(clock.wall_per_step)
            print(
                f"{case.name} repeat {r + 1}/{repeats}: "
                + ", ".join(f"{k} {cpu[k][-1] * 1e3:.1f} ms" for k in runners),
                flush=True,
            )
    return {"case": case.name, "cpu": cpu, "wall": wall, "steps": steps, "warmup": warmup}


def print_table(results: list[dict], runners, repeats: int) -> None:
    others = [k for k in runners if k != "plain"]
    for clock, title in (("cpu", "process CPU time"), ("wall", "wall-clock time")):
        print(
            f"\n{title} per generator step, ms: median of {repeats} alternated runs (ratio to the plain loop)"
        )
        print("| case | timed steps (warm-up) | " + " | ".join(runners) + " |")
        print("|---|---:|" + "---:|" * len(runners))
        for res in results:
            med = {k: statistics.median(v) for k, v in res[clock].items()}
            cells = [
                f"{med[k] * 1e3:.1f}"
                + (f" ({med[k] / med['plain']:.3f})" if k in others and "plain" in med else "")
                for k in runners
            ]
            print(f"| {res['case']} | {res['steps']} ({res['warmup']}) | " + " | ".join(cells) + " |")


def time_to_quality(
    device: torch.device, runners, bar: float, every: int, max_steps: int, num_samples: int
) -> list[dict]:
    """Each runner trains DCGAN-32 on the digits from the same initial weights until its digits FID is at most
    ``bar`` (checked every ``every`` generator steps) or ``max_steps``; seconds to get there, evaluations
    excluded."""
    case = CASES["dcgan32-digits"]
    torch.manual_seed(0)
    init_state = copy.deepcopy(case.make_model().state_dict())
    results = []
    with tempfile.TemporaryDirectory() as log_dir:
        for k in runners:
            if k == "plain":
                continue
            torch.manual_seed(0)
            probe = QualityProbe(bar, every, max_steps, num_samples)
            RUN[k](case, init_state, device, StepCounter(probe=probe), f"{log_dir}/{k}")
            reached = next((h for h in probe.history if h["fid"] <= bar), None)
            results.append({"runner": k, "reached": reached, "history": probe.history})
            last = probe.history[-1]
            print(
                f"time to quality, {k}: "
                + (
                    f"FID {reached['fid']:.2f} <= {bar} at step {reached['step']}, {reached['cpu']:.0f} s CPU"
                    if reached
                    else f"not reached in {last['step']} steps (last FID {last['fid']:.2f})"
                ),
                flush=True,
            )
    return results


def print_quality_table(results: list[dict], bar: float, every: int, num_samples: int) -> None:
    print(
        f"\ntime to digits FID <= {bar} (digits network, {num_samples} samples vs the train split, checked every "
        f"{every} generator steps; evaluation time excluded), DCGAN-32, one seed"
    )
    print("| library | generator steps | CPU s | wall s | FID then | FID by step |")
    print("|---|---:|---:|---:|---:|---|")
    for res in results:
        trace = ", ".join(f"{h['step']}: {h['fid']:.1f}" for h in res["history"])
        hit = res["reached"]
        if hit:
            row = f"{hit['step']} | {hit['cpu']:.0f} | {hit['wall']:.0f} | {hit['fid']:.2f}"
        else:
            row = f"not reached ({res['history'][-1]['step']}) | - | - | {res['history'][-1]['fid']:.2f}"
        print(f"| {res['runner']} | {row} | {trace} |")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--runners", nargs="+", default=list(RUNNERS), choices=list(RUNNERS))
    parser.add_argument(
        "--steps", type=int, help="timed generator steps per run (default: 30 DCGAN, 6 WGAN-GP)"
    )
    parser.add_argument(
        "--warmup", type=int, help="untimed generator steps first (default: 5 DCGAN, 2 WGAN-GP)"
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument(
        "--quality-bar", type=float, default=15.0, help="digits FID to reach (time to quality)"
    )
    parser.add_argument("--quality-every", type=int, default=250, help="generator steps between FID checks")
    parser.add_argument("--quality-max-steps", type=int, default=2500)
    parser.add_argument("--quality-samples", type=int, default=2500)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--out", help="write every figure to this JSON file")
    args = parser.parse_args(argv)
    speed.quiet()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    device = torch.device(args.device)
    print(f"machine: {speed.machine()}; device {device}")
    results, quality = [], []
    if not args.skip_speed:
        for key in args.cases:
            case = CASES[key]
            steps = args.steps or case.steps
            warmup = case.warmup if args.warmup is None else args.warmup
            results.append(bench(key, device, warmup, steps, args.repeats, args.runners))
    if not args.skip_quality:
        quality = time_to_quality(
            device,
            args.runners,
            args.quality_bar,
            args.quality_every,
            args.quality_max_steps,
            args.quality_samples,
        )
    if results:
        print_table(results, args.runners, args.repeats)
    if quality:
        print_quality_table(quality, args.quality_bar, args.quality_every, args.quality_samples)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(
            json.dumps({"machine": speed.machine(), "speed": results, "time_to_quality": quality}, indent=1)
        )
    return results


if __name__ == "__main__":
    main()
