"""Speed benchmark: our Lightning module against a hand-written PyTorch loop and the usual Lightning GAN example.

One process, same networks, same initial weights, same data loaders; the three ways of training are run
alternately (the order rotates every repeat) so that drift on a shared machine hits all of them alike:

  (a) ``ours``: the library's module (``DCGAN``, ``WGANGP``, ``VanillaGAN``) through ``Trainer.fit``.
  (b) ``plain``: a plain PyTorch loop doing exactly the same updates (noise on the device, ``d_steps`` critic
      updates with the generator run without a graph except on the last one, whose fake batch the generator
      update reuses; the discriminator frozen during the generator update).
  (c) ``example``: a ``LightningModule`` written the way Lightning's GAN example is written
      (``examples/pytorch/domain_templates/generative_adversarial_net.py`` and the docs' manual-optimization
      GAN): noise made on the CPU and copied with ``type_as``, generator step first, the generator run forward
      again (with a graph, then ``detach``) for every discriminator step, ``self.log(..., prog_bar=True)``
      on every step, ``optimizer.step()`` for both networks. The example's per-step image-grid logging is
      left out (it would only make (c) slower).

Steady state only: a callback (or the loop itself) counts batches and takes timestamps after batch ``warmup``
and after batch ``warmup + steps``; a run's figure is their difference over ``steps``, i.e. it excludes Trainer
construction, the first ``warmup`` batches and teardown, and includes everything between batches (data, hooks,
logging, epoch ends). Each timestamp has two clocks: wall-clock and process CPU time. On a CPU with one torch
thread (the default here) CPU time is the headline figure, because other processes on a shared machine do not
inflate it; on CUDA the wall-clock figure counts, taken after ``torch.cuda.synchronize()``. Figures are medians
over the repeats; "paired" ratios are medians of each repeat's own ratio.

(a) and (c) run with the Trainer's default logger (TensorBoard, ``log_every_n_steps=50``), no progress bar,
no checkpointing; (b) writes the same scalars to a TensorBoard ``SummaryWriter`` every 50 steps.

Usage::

    python benchmarks/speed.py                      # the table in docs/BENCHMARKS.md
    python benchmarks/speed.py --steps 3 --warmup 1 --repeats 1   # smoke test
    python benchmarks/speed.py --gpu-throughput     # images/s for DCGAN-64, WGAN-GP-64 (needs CUDA)
"""

from __future__ import annotations

import argparse
import copy
import logging
import platform
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import lightning
import torch
from lightning.pytorch import Callback, LightningDataModule, LightningModule, Trainer
from lightning.pytorch.loggers import TensorBoardLogger
from torch.utils.tensorboard import SummaryWriter

from lightning_gans import DCGAN, WGANGP, DigitsDataModule, Toy2DDataModule, VanillaGAN, losses
from lightning_gans.data.batch import real_samples
from lightning_gans.data.tensor_loader import TensorBatchLoader
from lightning_gans.modules.gan import GAN

LOG_EVERY = 50


# ------------------------------------------------------------------------------------------------ cases
@dataclass
class Case:
    name: str
    make_model: Callable[[], GAN]
    make_data: Callable[[], object]
    steps: int  # timed generator steps per run (about 3 s on one CPU thread)
    warmup: int
    wasserstein: bool = False


CASES = {
    "dcgan32-digits": Case(
        "DCGAN-32 digits (bs 64)",
        lambda: DCGAN(data_shape=[1, 32, 32], latent_dim=100, generator_width=32, discriminator_width=32),
        lambda: DigitsDataModule(image_size=32, batch_size=64),
        steps=30,
        warmup=5,
    ),
    "wgangp32-digits": Case(
        "WGAN-GP-32 digits (bs 64, 5 D steps)",
        lambda: WGANGP(data_shape=[1, 32, 32], latent_dim=100, generator_width=32, critic_width=32),
        lambda: DigitsDataModule(image_size=32, batch_size=64),
        steps=6,
        warmup=2,
        wasserstein=True,
    ),
    "vanilla-ring8": Case(
        "VanillaGAN MLP ring8 (bs 256)",
        lambda: VanillaGAN(data_shape=[2], latent_dim=16, hidden_dims=(256, 256, 256)),
        lambda: Toy2DDataModule("ring8", batch_size=256),
        steps=100,
        warmup=10,
    ),
    "overhead-tiny": Case(
        "overhead probe: MLP width 8, bs 8 (not a target)",
        lambda: VanillaGAN(data_shape=[2], latent_dim=4, hidden_dims=(8,)),
        lambda: Toy2DDataModule("ring8", batch_size=8),
        steps=500,
        warmup=20,
    ),
}


def d_loss_terms(case: Case, model: GAN, real, fake, real_logits, fake_logits) -> torch.Tensor:
    """The discriminator's loss as a plain function (used by (b) and (c))."""
    if case.wasserstein:
        gp = losses.gradient_penalty(model.discriminator, real, fake)
        return losses.wasserstein_critic_loss(real_logits, fake_logits) + model.gp_weight * gp
    return losses.bce_discriminator_loss(real_logits, fake_logits)


def g_loss_term(case: Case, fake_logits) -> torch.Tensor:
    if case.wasserstein:
        return losses.wasserstein_generator_loss(fake_logits)
    return losses.nonsaturating_generator_loss(fake_logits)


# ------------------------------------------------------------------------------------------------ timing
class Clock:
    """Takes wall-clock and process-CPU timestamps after batch ``warmup`` and after batch ``warmup + steps``.

    On a CPU run with one torch thread the process CPU time per step is the cost of a step, unaffected by other
    processes that preempt this one on a shared machine; the wall-clock figure is reported beside it. On CUDA
    the wall-clock figure (taken after ``torch.cuda.synchronize()``) is the one that counts.
    """

    def __init__(self, warmup: int, steps: int, device: torch.device) -> None:
        self.warmup, self.steps, self.device = warmup, steps, device
        self.batches = 0
        self.marks: list[tuple[float, float]] = []

    def _mark(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        self.marks.append((time.perf_counter(), time.process_time()))

    def tick(self) -> bool:
        """Call after each batch; True when the run has done ``warmup + steps`` batches."""
        if self.batches == 0 and self.warmup == 0:
            self._mark()
        self.batches += 1
        if self.batches in (self.warmup, self.warmup + self.steps):
            self._mark()
        return self.batches >= self.warmup + self.steps

    @property
    def wall_per_step(self) -> float:
        return (self.marks[1][0] - self.marks[0][0]) / self.steps

    @property
    def cpu_per_step(self) -> float:
        return (self.marks[1][1] - self.marks[0][1]) / self.steps


class ClockCallback(Callback):
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if self.clock.tick():
            trainer.should_stop = True


def make_trainer(device: torch.device, clock: Clock, log_dir: str, **kwargs) -> Trainer:
    return Trainer(
        accelerator=device.type,
        devices=1,
        max_epochs=-1,
        max_steps=-1,
        logger=TensorBoardLogger(log_dir, name="bench"),
        log_every_n_steps=LOG_EVERY,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[ClockCallback(clock)],
        **kwargs,
    )


# ------------------------------------------------------------------------------------- (a) our module
def run_ours(case: Case, init_state: dict, device: torch.device, warmup: int, steps: int, log_dir: str):
    model = case.make_model()
    model.load_state_dict(init_state)
    clock = Clock(warmup, steps, device)
    make_trainer(device, clock, log_dir).fit(model, case.make_data())
    return clock


# ------------------------------------------------------------------------------------- (b) plain loop
def run_plain(case: Case, init_state: dict, device: torch.device, warmup: int, steps: int, log_dir: str):
    model = case.make_model()
    model.load_state_dict(init_state)
    model.to(device).train()
    G, D = model.generator, model.discriminator
    opt_g, opt_d = model.configure_optimizers()
    data = case.make_data()
    epoch = [0]
    if isinstance(data, DigitsDataModule):
        data.setup()
        loader = TensorBatchLoader(
            data.split["train"].to(device), data.batch_size, data.seed, epoch=lambda: epoch[0]
        )
    else:
        loader = data.train_dataloader()
        loader.device = device
    writer = SummaryWriter(log_dir)
    clock = Clock(warmup, steps, device)
    d_params = list(D.parameters())
    step = 0
    done = False
    while not done:
        for batch in loader:
            real = real_samples(batch)
            n = real.shape[0]
            for i in range(model.d_steps):
                z = torch.randn(n, model.latent_dim, device=device)
                if i == model.d_steps - 1:
                    fake = G(z)
                    fake_d = fake.detach()
                else:
                    with torch.no_grad():
                        fake_d = G(z)
                real_logits, fake_logits = D(real), D(fake_d)
                d_loss = d_loss_terms(case, model, real, fake_d, real_logits, fake_logits)
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                opt_d.step()
            for p in d_params:
                p.requires_grad_(False)
            g_loss = g_loss_term(case, D(fake))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            for p in d_params:
                p.requires_grad_(True)
            step += 1
            if step % LOG_EVERY == 0:
                writer.add_scalar("train/d_loss", d_loss.item(), step)
                writer.add_scalar("train/g_loss", g_loss.item(), step)
            if clock.tick():
                done = True
                break
        epoch[0] += 1
    writer.close()
    return clock


# ----------------------------------------------------------------------- (c) the Lightning example's way
class LightningExampleGAN(LightningModule):
    """A GAN written the way Lightning's GAN example is written (see the module docstring)."""

    def __init__(self, case: Case, model: GAN) -> None:
        super().__init__()
        self.case = case
        self.inner = model  # for the loss helpers' gp_weight
        self.generator = model.generator
        self.discriminator = model.discriminator
        self.latent_dim = model.latent_dim
        self.d_steps = model.d_steps
        self.automatic_optimization = False

    def forward(self, z):
        return self.generator(z)

    def configure_optimizers(self):
        return self.inner.configure_optimizers()

    def training_step(self, batch, batch_idx):
        imgs = real_samples(batch)
        optimizer_g, optimizer_d = self.optimizers()

        # sample noise (on the CPU, then copied to the data's device)
        z = torch.randn(imgs.shape[0], self.latent_dim)
        z = z.type_as(imgs)

        # train generator
        self.toggle_optimizer(optimizer_g)
        g_loss = g_loss_term(self.case, self.discriminator(self(z)))
        self.log("g_loss", g_loss, prog_bar=True)
        self.manual_backward(g_loss)
        optimizer_g.step()
        optimizer_g.zero_grad()
        self.untoggle_optimizer(optimizer_g)

        # train discriminator
        for _ in range(self.d_steps):
            z = torch.randn(imgs.shape[0], self.latent_dim).type_as(imgs)
            self.toggle_optimizer(optimizer_d)
            fake = self(z).detach()
            real_logits, fake_logits = self.discriminator(imgs), self.discriminator(fake)
            d_loss = d_loss_terms(self.case, self.inner, imgs, fake, real_logits, fake_logits)
            self.log("d_loss", d_loss, prog_bar=True)
            self.manual_backward(d_loss)
            optimizer_d.step()
            optimizer_d.zero_grad()
            self.untoggle_optimizer(optimizer_d)


def run_example(case: Case, init_state: dict, device: torch.device, warmup: int, steps: int, log_dir: str):
    model = case.make_model()
    model.load_state_dict(init_state)
    clock = Clock(warmup, steps, device)
    make_trainer(device, clock, log_dir).fit(LightningExampleGAN(case, model), case.make_data())
    return clock


RUNNERS = {"a": run_ours, "b": run_plain, "c": run_example}


# ------------------------------------------------------------------------------------------------- main
def quiet() -> None:
    warnings.filterwarnings("ignore")
    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {torch.get_num_threads()} torch thread(s), torch {torch.__version__}, "
        f"lightning {lightning.__version__}, python {platform.python_version()}"
    )


def bench_case(key: str, device: torch.device, warmup: int | None, steps: int | None, repeats: int) -> dict:
    """Runs (a), (b), (c) ``repeats`` times each, alternated; seconds per generator step for each clock."""
    case = CASES[key]
    steps = steps or case.steps
    warmup = case.warmup if warmup is None else warmup
    torch.manual_seed(0)
    init_state = copy.deepcopy(case.make_model().state_dict())
    times: dict[str, dict[str, list[float]]] = {
        "cpu": {k: [] for k in RUNNERS},
        "wall": {k: [] for k in RUNNERS},
    }
    order = list(RUNNERS)
    with tempfile.TemporaryDirectory() as log_dir:
        for r in range(repeats):
            for k in order[r % 3 :] + order[: r % 3]:  # rotate the order so no variant always goes first
                torch.manual_seed(r)
                clock = RUNNERS[k](case, init_state, device, warmup, steps, f"{log_dir}/{k}{r}")
                times["cpu"][k].append(clock.cpu_per_step)
                times["wall"][k].append(clock.wall_per_step)
    return {"key": key, "case": case.name, "times": times, "steps": steps, "warmup": warmup}


def summary(res: dict, clock: str) -> dict[str, float]:
    """Medians per variant, ratios of the medians, and medians of the per-repeat (back-to-back) ratios."""
    t = res["times"][clock]
    med = {k: statistics.median(v) for k, v in t.items()}
    out = {k: med[k] for k in RUNNERS}
    for k in "bc":
        out[f"a/{k}"] = med["a"] / med[k]
        out[f"paired a/{k}"] = statistics.median(a / x for a, x in zip(t["a"], t[k], strict=True))
    return out


CLOCK_TITLES = {
    "cpu": "process CPU time per generator step (the headline figure on CPU: unaffected by other processes)",
    "wall": "wall-clock time per generator step",
}


def print_table(results: list[dict], repeats: int, clocks: tuple[str, ...]) -> None:
    for clock in clocks:
        print(f"\n{CLOCK_TITLES[clock]}, ms: median of {repeats} alternated runs")
        print(
            "| case | timed steps (warm-up) | (a) ours | (b) plain loop | (c) Lightning example "
            "| a/b | a/c | a/b paired | a/c paired |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for res in results:
            m = summary(res, clock)
            print(
                f"| {res['case']} | {res['steps']} ({res['warmup']}) | {m['a'] * 1e3:.2f} | {m['b'] * 1e3:.2f} "
                f"| {m['c'] * 1e3:.2f} | {m['a/b']:.3f} | {m['a/c']:.3f} | {m['paired a/b']:.3f} "
                f"| {m['paired a/c']:.3f} |"
            )


# ------------------------------------------------------------------------------------- GPU throughput
class RandomImagesDataModule(LightningDataModule):
    """``count`` random ``3 x size x size`` images made on the training device (optionally channels_last)."""

    def __init__(self, size: int, batch_size: int, channels_last: bool, count: int = 4096) -> None:
        super().__init__()
        self.size, self.batch_size, self.channels_last, self.count = size, batch_size, channels_last, count
        self.data_shape = (3, size, size)

    def train_dataloader(self) -> TensorBatchLoader:
        device = self.trainer.strategy.root_device
        data = torch.rand(self.count, 3, self.size, self.size, device=device) * 2 - 1
        if self.channels_last:
            data = data.contiguous(memory_format=torch.channels_last)
        return TensorBatchLoader(data, self.batch_size)


def throughput(
    device: torch.device,
    steps: int,
    warmup: int,
    batch_size: int = 128,
    size: int = 64,
    compile_options: tuple[bool, ...] = (False, True),
) -> list[dict]:
    """Images per second (real images consumed = batch size x generator steps per second) for DCGAN and WGAN-GP
    at ``size`` on random data already on the device, through our module and the Trainer, with 32-true and
    bf16-mixed, with and without channels_last and torch.compile. Made for a GPU (``--gpu-throughput``).

    torch.compile wraps the generator and, for DCGAN, the discriminator; the WGAN-GP critic stays eager because
    the gradient penalty's double backward is not supported by compiled graphs.
    """
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else machine()
    print(
        f"device: {name}; batch {batch_size}; {steps} timed steps after {warmup}; torch {torch.__version__}"
    )
    makers = {
        f"DCGAN-{size}": lambda: DCGAN(data_shape=[3, size, size]),
        f"WGAN-GP-{size}": lambda: WGANGP(data_shape=[3, size, size], latent_dim=100),
    }
    rows = []
    print("| model | precision | channels_last | torch.compile | images/s |")
    print("|---|---|---|---|---:|")
    for model_name, make in makers.items():
        for precision in ("32-true", "bf16-mixed"):
            for channels_last in (False, True):
                for compiled in compile_options:
                    torch.manual_seed(0)
                    model = make()
                    if channels_last:
                        model = model.to(memory_format=torch.channels_last)
                    if compiled:
                        model.generator = torch.compile(model.generator)
                        if model_name.startswith("DCGAN"):
                            model.discriminator = torch.compile(model.discriminator)
                    clock = Clock(warmup, steps, device)
                    data = RandomImagesDataModule(size, batch_size, channels_last)
                    with tempfile.TemporaryDirectory() as log_dir:
                        try:
                            make_trainer(device, clock, log_dir, precision=precision).fit(model, data)
                            figure = f"{batch_size / clock.wall_per_step:.0f}"
                        except Exception as err:  # report it and go on with the other settings
                            figure = f"failed: {type(err).__name__}: {str(err)[:100]}"
                    row = dict(
                        model=model_name, precision=precision, channels_last=channels_last, compiled=compiled
                    )
                    rows.append(row | {"images_per_s": figure})
                    print(
                        f"| {model_name} | {precision} | {channels_last} | {compiled} | {figure} |",
                        flush=True,
                    )
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--steps", type=int, help="timed generator steps per run (default: per case)")
    parser.add_argument("--warmup", type=int, help="untimed generator steps at the start of a run (per case)")
    parser.add_argument("--repeats", type=int, default=7, help="alternated runs of each of (a), (b), (c)")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (CPU runs)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--gpu-throughput", action="store_true", help="images/s for DCGAN-64, WGAN-GP-64")
    parser.add_argument("--size", type=int, default=64, help="image size of --gpu-throughput")
    parser.add_argument("--batch-size", type=int, default=128, help="batch size of --gpu-throughput")
    parser.add_argument("--no-compile", action="store_true", help="--gpu-throughput without torch.compile")
    args = parser.parse_args(argv)
    quiet()
    torch.set_num_threads(args.threads)
    print(f"machine: {machine()}; device {args.device}")
    device = torch.device(args.device)
    if args.gpu_throughput:
        if device.type != "cuda":
            print(
                "no CUDA device: these are not GPU figures (use this only to check that the code path runs)"
            )
        compile_options = (False,) if args.no_compile else (False, True)
        return throughput(
            device,
            args.steps or 50,
            10 if args.warmup is None else args.warmup,
            args.batch_size,
            args.size,
            compile_options,
        )
    results = []
    for key in args.cases:
        results.append(bench_case(key, device, args.warmup, args.steps, args.repeats))
        for clock, t in results[-1]["times"].items():
            runs = ", ".join(f"{k} {[round(x * 1e3, 1) for x in v]}" for k, v in t.items())
            print(f"{results[-1]['case']} [{clock} ms]: {runs}", flush=True)
    print_table(results, args.repeats, ("wall",) if device.type == "cuda" else ("cpu", "wall"))
    return results


if __name__ == "__main__":
    main()
