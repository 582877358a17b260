"""The ``lightning-gans`` command: a registry of subcommands, a fast top-level help, and the dispatch to each.

    lightning-gans --help                                   every subcommand, one line each
    lightning-gans fit --config configs/dcgan/digits.yaml    training (LightningCLI, ``lightning_gans.cli``)
    lightning-gans sample --ckpt PATH --num 1000 --out DIR  a tool (``lightning_gans.tools.sample``)

This module imports neither torch nor Lightning: ``--help`` and a tool's ``--help`` (answered by its argparse
parser in ``lightning_gans.tools.options``) take a fraction of a second, where importing Lightning takes seconds.
The work itself imports what it needs.

A new subcommand is one ``register(...)`` call (below, or in the module of the feature that adds it) naming
the function that runs it.
"""

from __future__ import annotations

import difflib
import importlib
import sys
from dataclasses import dataclass

PROG = "lightning-gans"


@dataclass(frozen=True)
class Command:
    """One subcommand.

    Args:
        name: the word after ``lightning-gans``.
        summary: one line for ``lightning-gans --help``.
        target: ``"module:function"`` that runs the command, called with the arguments after the command's name
            (``fit``: with all of them, or None for ``sys.argv``, as LightningCLI reads the word ``fit`` itself).
        parser: ``"module:function"`` returning the command's ``argparse`` parser, importable without torch;
            the dispatcher parses with it first, so ``--help`` and bad options are answered at once. None for
            commands that parse their own arguments (``fit``: LightningCLI).
    """

    name: str
    summary: str
    target: str
    parser: str | None = None


COMMANDS: dict[str, Command] = {}
"""The registered subcommands, in the order ``--help`` lists them."""


def register(name: str, summary: str, target: str, parser: str | None = None) -> Command:
    """Adds (or replaces) a subcommand; returns it."""
    COMMANDS[name] = command = Command(name, summary, target, parser)
    return command


register(
    "fit",
    "train a GAN from a YAML config; override any setting (--trainer.max_steps 500), --print_config",
    "lightning_gans.cli:fit",
)
register(
    "sample",
    "a checkpoint -> N PNG files (ImageFolder layout, to augment a data set) or one grid image",
    "lightning_gans.tools.sample:main",
    "lightning_gans.tools.options:sample_parser",
)
register(
    "interpolate",
    "latent walks between random points of a checkpoint: a grid and an animated GIF",
    "lightning_gans.tools.interpolate:main",
    "lightning_gans.tools.options:interpolate_parser",
)
register(
    "evaluate",
    "a checkpoint's metrics (FID/KID/class KL, or modes/hq/reverse KL) with their protocol",
    "lightning_gans.tools.evaluate:main",
    "lightning_gans.tools.options:evaluate_parser",
)

register(
    "test",
    "an anomaly detector's test metrics (AUROC, AUPRC, F1 at its threshold) on a config's test split",
    "lightning_gans.cli:fit",
)
register(
    "score",
    "an anomaly detector checkpoint -> scores.csv (name, score, flagged) for an image folder or a table",
    "lightning_gans.tools.score:main",
    "lightning_gans.tools.options:score_parser",
)
register(
    "encode",
    "a checkpoint with an encoder (BiGAN, IZIfEncoder, ClusterGAN; InfoGAN's Q) -> latent vectors, .npy or .csv",
    "lightning_gans.tools.encode:main",
    "lightning_gans.tools.options:encode_parser",
)
register(
    "cluster",
    "clusters of any data (ClusterGAN, InfoGAN, or an encoder + KMeans --k) -> CSV; scores when labels are known",
    "lightning_gans.tools.cluster:main",
    "lightning_gans.tools.options:cluster_parser",
)
register(
    "traverse",
    "an InfoGAN or ClusterGAN checkpoint's traversals: a row per category, a code (or noise) swept (PNG + GIF)",
    "lightning_gans.tools.traverse:main",
    "lightning_gans.tools.options:traverse_parser",
)
register(
    "translate",
    "a CycleGAN or Pix2Pix checkpoint -> one translated image per input file (same names), --grid to compare",
    "lightning_gans.tools.translate:main",
    "lightning_gans.tools.options:translate_parser",
)


def help_text() -> str:
    """``lightning-gans --help``: usage and every registered subcommand with its one line."""
    width = max(len(name) for name in COMMANDS) + 2
    lines = [
        f"usage: {PROG} COMMAND [options]",
        "",
        "Generative Adversarial Networks as PyTorch Lightning modules.",
        "",
        "commands:",
        *(f"  {c.name:<{width}}{c.summary}" for c in COMMANDS.values()),
        "",
        f"`{PROG} COMMAND --help` lists a command's options.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and of ``python -m lightning_gans``.

    Errors a user can fix (bad data folder, corrupt image, shape or setting mismatch, divergence; see
    ``lightning_gans.errors``) are printed as one ``lightning-gans: error: ...`` line without a traceback, with
    exit status 1. Bad arguments, unknown config keys and unknown commands are refused with status 2.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    if args in ([], ["-h"], ["--help"]):
        print(help_text(), end="")
        if not args:
            raise SystemExit(2)  # a command is required
        return
    name = args[0]
    if name not in COMMANDS and not name.startswith("-"):
        close = difflib.get_close_matches(name, list(COMMANDS), n=1, cutoff=0.6)
        hint = f"did you mean `{close[0]}`?" if close else f"`{PROG} --help` lists them"
        print(f"{PROG}: error: unknown command {name!r}; {hint}", file=sys.stderr)
        raise SystemExit(2)
    # options before the command (`lightning-gans -c config.yaml fit`) are LightningCLI's
    command = COMMANDS.get(name, COMMANDS["fit"])
    try:
        if command.parser is not None:
            load(command.parser)().parse_args(args[1:])  # exits on --help and on bad options, before torch
        if command.target == "lightning_gans.cli:fit":  # fit, test: LightningCLI reads its own subcommand
            load(command.target)(argv)  # None: LightningCLI reads sys.argv itself (and warns when given both)
        else:
            load(command.target)(args[1:])
    except Exception as err:
        user_error = find_user_error(err)
        if user_error is None:
            raise
        print(f"{PROG}: error: {user_error}", file=sys.stderr)
        raise SystemExit(1) from err


def load(target: str):
    """The function named by ``"module:function"``, its module imported."""
    module_name, function = target.split(":")
    return getattr(importlib.import_module(module_name), function)


def find_user_error(err: BaseException) -> BaseException | None:
    """``err`` or the first of its causes that is a user error (jsonargparse wraps errors raised while it
    instantiates the model in a "Does not validate against any of the Union subtypes" ValueError)."""
    from lightning_gans.errors import user_errors

    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, user_errors()):
            return err
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return None
