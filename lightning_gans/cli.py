"""``lightning-gans fit``: LightningCLI with any ``GAN`` and any data module.

lightning-gans fit --config configs/dcgan/digits.yaml
lightning-gans fit --config configs/dcgan/digits.yaml --config configs/logger/wandb.yaml
lightning-gans fit --config configs/dcgan/digits.yaml --print_config

The ``lightning-gans`` command itself (the subcommand registry, ``--help``, the tools) is
``lightning_gans.commands``; ``main`` is re-exported here.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import inspect
import os
import re
import sys
import zipfile

import yaml
from lightning.pytorch import LightningDataModule, LightningModule, Trainer
from lightning.pytorch.callbacks import Callback, ModelCheckpoint, ModelSummary, ProgressBar
from lightning.pytorch.cli import LightningCLI, SaveConfigCallback
from lightning.pytorch.utilities import rank_zero_info, rank_zero_warn
from lightning.pytorch.utilities.model_helpers import is_overridden
from typing_extensions import override

from lightning_gans import preemption
from lightning_gans.callbacks.model_summary import GANModelSummary
from lightning_gans.callbacks.progress import GANProgressBar
from lightning_gans.commands import PROG, find_user_error, main  # noqa: F401  (``lightning_gans.cli.main`` as before)
from lightning_gans.errors import CheckpointError, ConfigError


class LoggerSaveConfigCallback(SaveConfigCallback):
    """Saves ``config.yaml`` to the run folder and sends the whole config to every logger as hyperparameters.

    W&B then shows the model, data and trainer settings of the run (under ``config``), not only the model's.
    """

    @override
    def save_config(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        config = yaml.safe_load(self.parser.dump(self.config, skip_none=False))
        for logger in trainer.loggers:
            logger.log_hyperparams({"config": config})


class GANCLI(LightningCLI):
    """LightningCLI with any lightning-gans module as the model (a ``GAN`` subclass, or ``IZIfEncoder``, which
    trains an encoder for a GAN and is not one) and any data module as the data.

    Adds ``GANProgressBar`` (losses as ``d_loss``/``g_loss``) unless the config has its own progress bar or
    turns the bar off, ``GANModelSummary`` (no FLOPs column of zeros) unless it has its own summary or turns it
    off, and ``CheckpointReport`` (the line saying where the checkpoint went).
    """

    def __init__(self, args=None, run: bool = True) -> None:
        super().__init__(
            model_class=LightningModule,
            datamodule_class=LightningDataModule,
            subclass_mode_model=True,
            subclass_mode_data=True,
            save_config_callback=LoggerSaveConfigCallback,
            save_config_kwargs={"overwrite": True},
            args=args,
            run=run,
        )

    @override
    def init_parser(self, **kwargs):
        # No prefix matching (`--trainer.max_step` is not `max_steps`), and errors come back to `parse_arguments`,
        # which prints one line instead of ~50 lines of usage.
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("exit_on_error", False)
        return super().init_parser(**kwargs)

    @override
    def parse_arguments(self, parser, args) -> None:
        """Parses as LightningCLI does; a bad option or config key is one line on stderr (status 2) naming the
        key and the closest valid one."""
        try:
            super().parse_arguments(parser, args)
        except argparse.ArgumentError as err:
            print(f"{PROG}: error: {explain_parse_error(str(err), parser)}", file=sys.stderr)
            raise SystemExit(2) from None
        subcommand = self.config.get("subcommand")
        config = self.config.get(subcommand, self.config) if subcommand else self.config
        check_latent_dim(config)  # before anything is built or seeded
        check_ckpt_path(config.get("ckpt_path"))
        warn_about_more_cpu_processes_than_cores(config)
        check_sync_batchnorm(config)

        if subcommand == "test":  # before anything is built: the class alone says whether it can be tested
            check_test_step(model_class(config))

    @override
    def after_instantiate_classes(self) -> None:
        super().after_instantiate_classes()
        if self.subcommand == "test":
            check_test_step(type(self.model))

    @staticmethod
    @override
    def subcommands() -> dict[str, set[str]]:
        """``fit``, and ``test`` for the anomaly detectors (``BiGAN``, ``IZIfEncoder``: AUROC, AUPRC, F1 on the
        data module's test split). Lightning's ``validate``/``predict`` run steps a GAN does not have (its metrics
        come from the ``Evaluation`` callback during ``fit`` and from ``lightning-gans evaluate``)."""
        subcommands = LightningCLI.subcommands()
        return {"fit": subcommands["fit"], "test": subcommands["test"]}

    @override
    def instantiate_trainer(self, **kwargs) -> Trainer:
        trainer_config = self._get(self.config_init, "trainer", default={})
        callbacks = kwargs.get("callbacks", trainer_config.get("callbacks")) or []
        callbacks = list(callbacks) if isinstance(callbacks, list | tuple) else [callbacks]
        wants_bar = kwargs.get("enable_progress_bar", trainer_config.get("enable_progress_bar")) is not False
        if wants_bar and not any(isinstance(c, ProgressBar) for c in callbacks):
            kwargs["callbacks"] = [*callbacks, GANProgressBar()]
        wants_summary = (
            kwargs.get("enable_model_summary", trainer_config.get("enable_model_summary")) is not False
        )
        if wants_summary and not any(isinstance(c, ModelSummary) for c in callbacks):
            kwargs["callbacks"] = [*kwargs.get("callbacks", callbacks), GANModelSummary()]
        kwargs["callbacks"] = [*kwargs.get("callbacks", callbacks), CheckpointReport()]
        trainer = super().instantiate_trainer(**kwargs)
        checkpoints_follow_run_folder(trainer)
        return trainer

    @override
    def before_instantiate_classes(self) -> None:
        # The configs add a ModelCheckpoint (for `--ckpt_path last`); `--trainer.enable_checkpointing false`
        # then means "drop it" rather than Lightning's error about a ModelCheckpoint with checkpointing off.
        config = self.config.get(self.subcommand, self.config) if self.subcommand else self.config
        trainer = config.get("trainer")
        if trainer is None or trainer.get("enable_checkpointing") is not False:
            return
        callbacks = trainer.get("callbacks") or []
        trainer["callbacks"] = [
            c for c in callbacks if not str(getattr(c, "class_path", "")).endswith(".ModelCheckpoint")
        ]


def valid_keys(parser) -> list[str]:
    """Every ``--key`` the parser (and its subcommands' parsers) takes, without the dashes."""
    keys = []
    parsers = [parser]
    while parsers:
        current = parsers.pop()
        for action in current._actions:
            keys += [o.lstrip("-") for o in action.option_strings if o.startswith("--")]
            if isinstance(action, argparse._SubParsersAction):
                parsers += list(action.choices.values())
    return keys


def init_keys(class_path: str) -> list[str]:
    """The constructor arguments of ``class_path`` and of its base classes (what ``init_args`` may hold)."""
    module_name, _, name = class_path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError):
        return []
    keys = []
    for klass in inspect.getmro(cls) if inspect.isclass(cls) else []:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            parameters = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            continue
        keys += [
            p.name for p in parameters if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
    return list(dict.fromkeys(keys))


def did_you_mean(key: str, candidates: list[str]) -> str:
    """``; did you mean `x`?`` for the closest candidate (in the key's own group: ``trainer.``, ``model.``), or
    a pointer to ``--help``."""
    group = key.rpartition(".")[0]
    if group:
        candidates = [c for c in candidates if c.startswith(group + ".")] or candidates
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    if close:
        return f"; did you mean `{close[0]}`?"
    return f"; `{PROG} fit --help` lists the settings"


def explain_parse_error(message: str, parser) -> str:
    """jsonargparse's error -> one line: the unknown key and the closest valid one (or the first line of the
    message, for any other error)."""
    unrecognized = re.search(r"unrecognized arguments: (\S+)", message)
    if unrecognized:
        key = unrecognized.group(1).split("=", 1)[0].lstrip("-")
        return f"unknown setting `{key}`{did_you_mean(key, valid_keys(parser))}"
    not_accepted = re.search(r"Option '([^']+)' is not accepted", message)
    if not_accepted:
        key = not_accepted.group(1)
        class_path = re.search(r"class_path '([^']+)'", message)
        group = re.search(r"Parser key \"([^\"]+)\"", message)
        where = f"{group.group(1)}." if group else ""
        candidates = init_keys(class_path.group(1)) if class_path else []
        owner = f" of {class_path.group(1)}" if class_path else ""
        hint = did_you_mean(key, candidates) if candidates else ""
        return f"unknown setting `{where}{key}`{owner}{hint}"
    keys = re.findall(r'Parser key "([^"]+)":[ \t]*\n\s*(.+)', message)
    details = [(key, detail) for key, detail in keys if not detail.startswith("Does not validate")]
    if details:
        key, detail = details[-1]
        if key != keys[0][0] and not key.startswith(keys[0][0] + "."):
            key = f"{keys[0][0]}.{key}"  # a nested class's key: model.latent_dim
        return f"`{key}`: {detail.strip()}"
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return " ".join(lines[:2]) or message


def check_latent_dim(config) -> None:
    """``model.latent_dim`` must be a whole number >= 1 (0 would train until the first transposed convolution)."""
    model = config.get("model") if hasattr(config, "get") else None
    init_args = model.get("init_args") if hasattr(model, "get") else None
    latent_dim = init_args.get("latent_dim") if hasattr(init_args, "get") else None
    if latent_dim is None or isinstance(latent_dim, bool) or not isinstance(latent_dim, int):
        return
    if latent_dim < 1:
        raise ConfigError(
            f"model latent_dim is {latent_dim}: the noise needs at least one entry. Set --model.latent_dim to a "
            "whole number >= 1 (e.g. 64 for images, 2 to 8 for tables and 2-D points)."
        )


def model_class(config) -> type | None:
    """The class the config's ``model.class_path`` names, or None when it cannot be imported here."""
    model = config.get("model") if hasattr(config, "get") else None
    class_path = model.get("class_path") if hasattr(model, "get") else None
    if not isinstance(class_path, str) or "." not in class_path:
        return None
    module_name, _, name = class_path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        return None
    return cls if isinstance(cls, type) else None


def check_test_step(cls: type | None) -> None:
    """``lightning-gans test`` needs a model with a ``test_step`` (the anomaly detectors)."""
    if (
        cls is None
        or not issubclass(cls, LightningModule)
        or is_overridden("test_step", cls, LightningModule)
    ):
        return
    raise ConfigError(
        f"{cls.__name__} has no test step: `{PROG} test` reports the anomaly detectors' metrics (BiGAN, "
        f"IZIfEncoder; configs/bigan, configs/anomaly). For a generator's metrics run `{PROG} evaluate --ckpt CKPT`."
    )


CKPT_PATH_WORDS = ("last", "best", "hpc", "registry")
"""``--ckpt_path`` values that Lightning resolves itself (not file paths)."""


def check_ckpt_path(ckpt_path) -> None:
    """A ``--ckpt_path`` file must exist and be a whole checkpoint (a zip archive whose every entry reads back),
    checked before anything is built: a truncated file otherwise fails deep inside ``torch.load``."""
    if not isinstance(ckpt_path, str | os.PathLike) or str(ckpt_path) in CKPT_PATH_WORDS:
        return
    if str(ckpt_path).startswith("registry:") or "://" in str(ckpt_path):
        return
    if not os.path.isfile(ckpt_path):
        raise CheckpointError(
            f"--ckpt_path {ckpt_path}: no such file. Give the path of a .ckpt written by `{PROG} fit` (or `last`)."
        )
    try:
        with zipfile.ZipFile(ckpt_path) as archive:
            damaged = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        damaged = str(err)
    if damaged is not None:
        raise CheckpointError(
            f"--ckpt_path {ckpt_path} is not a complete checkpoint (truncated or damaged: {damaged}). Give "
            "another .ckpt (an earlier one in the run's checkpoints/ folder, or `last`) or train again."
        )


def warn_about_more_cpu_processes_than_cores(config) -> None:
    """One warning when ``trainer.devices`` asks for more CPU processes than the machine has cores."""
    trainer = config.get("trainer") if hasattr(config, "get") else None
    if not hasattr(trainer, "get"):
        return
    devices, accelerator = trainer.get("devices"), str(trainer.get("accelerator") or "auto")
    cores = os.cpu_count() or 1
    count = int(devices) if isinstance(devices, int) or str(devices).isdigit() else None
    on_cpu = accelerator == "cpu" or (accelerator == "auto" and not _has_gpu())
    if count is not None and on_cpu and count > cores:
        rank_zero_warn(  # once, not again in each process the DDP launcher starts
            f"trainer.devices {count} starts {count} CPU processes but this machine has {cores} CPU cores "
            f"(os.cpu_count()): they share the cores and run slower. Set --trainer.devices {cores} or fewer.",
        )


def check_sync_batchnorm(config) -> None:
    """``trainer.sync_batchnorm`` on CPU: torch's ``SyncBatchNorm`` runs on GPUs only, and Lightning's DDP set-up
    otherwise fails after the data are prepared with a 40-line traceback."""
    trainer = config.get("trainer") if hasattr(config, "get") else None
    if not hasattr(trainer, "get") or trainer.get("sync_batchnorm") is not True:
        return
    accelerator = str(trainer.get("accelerator") or "auto")
    if accelerator == "cpu" or (accelerator == "auto" and not _has_gpu()):
        raise ConfigError(
            "trainer.sync_batchnorm needs GPUs (torch's SyncBatchNorm has no CPU version) and this run is on CPU. "
            "Drop --trainer.sync_batchnorm (each CPU process then keeps its own batch-norm statistics)."
        )


def _has_gpu() -> bool:
    import torch

    return torch.cuda.is_available() or (hasattr(torch.backends, "mps") and torch.backends.mps.is_available())


def checkpoints_follow_run_folder(trainer: Trainer) -> None:
    """Every ``ModelCheckpoint`` without a ``dirpath`` saves to ``<default_root_dir>/checkpoints``.

    The run folder is ``trainer.default_root_dir``: two runs with different folders (two seeds, say) never share
    a checkpoint file, and ``--ckpt_path last`` resumes the run the folder names. Lightning's own default
    (``<logger's version folder>/checkpoints``) cannot work with ``--ckpt_path last``: the logger opens a new
    version folder for every run, so "last" is looked for where nothing was saved yet. A second fresh run in
    the same folder does not overwrite the first's ``last.ckpt``: ModelCheckpoint writes ``last-v1.ckpt``, and
    ``--ckpt_path last`` takes the newest.
    """
    for callback in trainer.checkpoint_callbacks:
        if isinstance(callback, ModelCheckpoint) and callback.dirpath is None:
            callback.dirpath = os.path.realpath(os.path.join(trainer.default_root_dir, "checkpoints"))


class CheckpointReport(Callback):
    """Says at the end of ``fit`` where the checkpoint went, as ``SampleGrid`` says where the grid went.

    A fresh run into a folder that already holds ``last.ckpt`` gets ``last-v1.ckpt`` from ModelCheckpoint; the
    line then says so, and that the earlier file was kept.
    """

    def on_fit_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        for callback in trainer.checkpoint_callbacks:
            if not isinstance(callback, ModelCheckpoint):
                continue
            path = callback.last_model_path or callback.best_model_path
            if not path:
                continue
            shown = _short_path(path)
            name = os.path.basename(path)
            if re.fullmatch(r"last-v\d+\.ckpt", name):
                earlier = _short_path(os.path.join(os.path.dirname(path), "last.ckpt"))
                shown += f" (a new name: {earlier} of an earlier run in this folder is kept)"
            rank_zero_info(f"Checkpoint: {shown}")


def _short_path(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return relative if not relative.startswith("..") else path


def fit(args: list[str] | None = None) -> None:
    """``lightning-gans fit ...``: ``args`` with the word ``fit``, or None to read ``sys.argv``.

    A run stopped by SIGTERM (``lightning_gans.preemption``) exits with status 143: interrupted, not finished.
    """
    cli = GANCLI(args=args)
    if getattr(cli.model, "preempted", False):
        raise SystemExit(preemption.EXIT_STATUS)


if __name__ == "__main__":
    main()
