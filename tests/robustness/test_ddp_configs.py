"""Shipped configs train under DDP (2 CPU processes, gloo) with their own callbacks and end.

Under real DDP: a covering set of configs (``DDP_CONFIGS``), chosen so that every model class, data module,
callback and logger fragment that any config uses runs under DDP at least once (about a third of the configs:
every config under DDP took most of CI's time). ``test_every_config_is_covered_by_the_ddp_runs`` (default suite)
checks for every config that what could break under DDP, its family, data and callbacks, is in that set; a new
config that brings a new part joins the DDP runs by itself.

The cadences are cut to 2 generator steps and the run to 4, so that ``ModelCheckpoint``, ``SampleGrid`` and
``Evaluation`` each fire mid-run and at the end, where a callback that enters a collective on some ranks only
hangs the run (issue 16: ``SampleGrid`` asked ``trainer.log_dir``, a broadcast, on rank 0 only). Each run has its
own time limit, so a hang fails its test instead of stopping CI; after a hang the remaining configs fail at once.

Checked per config: the run ends with status 0; both ranks hold the same parameters; the sample grids, the
evaluation metrics and the checkpoint were written once (one run folder, one row per evaluation, one
``last.ckpt``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch
import yaml

from tests.cli.test_configs import (
    ALL_CONFIGS,
    BASE,
    CONFIGS,
    PREREQUISITES,
    fit_two_steps,
    is_full_config,
    prepare_data,
)
from tests.robustness.helpers import fit_subprocess

MAX_STEPS = 4
CADENCE = 2
TIMEOUT = 300  # seconds per run; a normal one takes well under a minute on 2 cores
HUNG: list[str] = []


def shortened(config: Path, run: Path) -> dict:
    """The config with every cadence at ``CADENCE`` steps, ``MAX_STEPS`` steps, a CSV logger in ``run``, small
    evaluations, and ``DumpParameters`` added (each rank saves its parameters at the end)."""
    data = yaml.safe_load(config.read_text())
    trainer = data["trainer"]
    trainer["max_steps"] = MAX_STEPS
    trainer["default_root_dir"] = str(run)
    trainer["log_every_n_steps"] = 1
    for callback in trainer["callbacks"]:
        init_args = callback.setdefault("init_args", {})
        name = callback["class_path"].rsplit(".", 1)[-1]
        if name == "ModelCheckpoint":
            init_args["every_n_train_steps"] = CADENCE
        elif name == "SampleGrid":
            init_args.update(every_n_steps=CADENCE, num_samples=min(init_args.get("num_samples", 64), 500))
        elif name == "Evaluation":
            init_args.update(every_n_steps=CADENCE, num_samples=200, batch_size=100, num_real=200)
    trainer["callbacks"].append({"class_path": "helpers.DumpParameters", "init_args": {"folder": str(run)}})
    return data


def ddp_parts(config: Path) -> set[str]:
    """What of ``config`` can behave differently under DDP: its model class, data module, callbacks, logger."""
    data = yaml.safe_load(config.read_text())
    if not is_full_config(config):  # a fragment on BASE: its logger and callbacks are the new parts
        logger = (data.get("trainer") or {}).get("logger")
        loggers = logger if isinstance(logger, list) else [logger] if logger else []
        extra = (data.get("trainer") or {}).get("callbacks") or []
        return (
            {f"logger:{item['class_path']}" for item in loggers}
            | {f"callback:{c['class_path']}" for c in extra}
            | {f"fragment:{config.name}"}
        )
    parts = {f"model:{data['model']['class_path']}", f"data:{data['data']['class_path']}"}
    init_args = data["model"].get("init_args") or {}
    for option in ("num_classes", "pack", "ac_weight"):  # conditioning and packing change what D is fed
        if init_args.get(option) not in (None, 0, 1, 0.0):
            parts.add(f"option:{option}")
    parts |= {f"callback:{c['class_path']}" for c in data["trainer"].get("callbacks") or []}
    return parts


def covering_configs(configs: list[Path]) -> list[Path]:
    """A small set of configs whose parts (``ddp_parts``) cover every config's: greedy, most new parts first,
    ties broken by path (so the choice is stable)."""
    uncovered = set().union(*(ddp_parts(c) for c in configs))
    chosen = []
    while uncovered:
        best = max(sorted(configs), key=lambda c: len(ddp_parts(c) & uncovered))
        chosen.append(best)
        uncovered -= ddp_parts(best)
    return sorted(chosen)


DDP_CONFIGS = covering_configs(ALL_CONFIGS)


def test_every_config_is_covered_by_the_ddp_runs():
    covered = set().union(*(ddp_parts(c) for c in DDP_CONFIGS))
    for config in ALL_CONFIGS:
        assert ddp_parts(config) <= covered, config
    assert len(DDP_CONFIGS) < len(ALL_CONFIGS)


def outputs(folder: Path, pattern: str, leave_out: Path | None) -> list[Path]:
    """Paths under ``folder`` matching ``pattern``, except those under ``folder / leave_out`` (a prerequisite's
    run folder)."""
    paths = folder.rglob(pattern)
    return [p for p in paths if leave_out is None or not p.is_relative_to(folder / leave_out)]


@pytest.mark.slow
@pytest.mark.parametrize("config", DDP_CONFIGS, ids=lambda p: str(p.relative_to(CONFIGS)))
def test_config_trains_under_ddp_and_ends(config, tmp_path, monkeypatch):
    if HUNG:
        pytest.fail(f"not run: an earlier config hung under DDP ({HUNG[0]})")
    full = is_full_config(config)
    monkeypatch.chdir(tmp_path)  # where relative paths of a config (a CSV, another run's checkpoint) resolve
    prerequisite = PREREQUISITES.get(str(config.relative_to(CONFIGS)))
    prerequisite_run = None
    if prerequisite is not None:  # the run whose checkpoint this config reads, in the run folder it names
        fit_two_steps(CONFIGS / prerequisite, tmp_path, monkeypatch, own_root_dir=True)
        prerequisite_run = Path(
            yaml.safe_load((CONFIGS / prerequisite).read_text())["trainer"]["default_root_dir"]
        )
    run = tmp_path / "run"
    base = yaml.safe_load(config.read_text()) if full else {}
    shortened_config = tmp_path / "config.yaml"
    shortened_config.write_text(yaml.safe_dump(shortened(config if full else BASE, run)))
    configs = [f"--config={shortened_config}", *([] if full else [f"--config={config}"])]
    csv_logger = full  # the logger fragments bring their own logger
    logger_args = (
        ["--trainer.logger=lightning.pytorch.loggers.CSVLogger", f"--trainer.logger.save_dir={run}"]
        if csv_logger
        else []
    )
    data_args = prepare_data(config if full else BASE, tmp_path / "data", monkeypatch)
    monkeypatch.setenv("FAKE_SETS_ROOT", str(tmp_path / "data"))
    try:
        result = fit_subprocess(
            tmp_path,
            *configs,
            *data_args,
            *logger_args,
            "--trainer.strategy=ddp",
            "--trainer.devices=2",
            timeout=TIMEOUT,
            fake_sets=bool(data_args),
            logger=True,
        )
    except AssertionError:
        HUNG.append(str(config.relative_to(CONFIGS)))
        raise
    assert result.returncode == 0, result.stderr[-3000:]

    # both ranks ended training with identical parameters
    ranks = [torch.load(run / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert [r["global_step"] for r in ranks] == [MAX_STEPS, MAX_STEPS]
    differing = [
        k for k, v in ranks[0]["parameters"].items() if not torch.equal(v, ranks[1]["parameters"][k])
    ]
    assert not differing, f"parameters differ between ranks: {differing[:5]}"

    # sample grids: one run folder, each grid once
    callbacks = {
        c["class_path"].rsplit(".", 1)[-1]
        for c in (base or yaml.safe_load(BASE.read_text()))["trainer"]["callbacks"]
    }
    sample_folders = [p for p in outputs(tmp_path, "samples", prerequisite_run) if p.is_dir()]
    if "SampleGrid" in callbacks:
        assert len(sample_folders) == 1, sample_folders
        names = sorted(p.name for p in sample_folders[0].iterdir())
        assert names == ["final.png", "step_0000002.png", "step_0000004.png"]

    # the checkpoint: one file, in the run folder, at the last step
    checkpoints = sorted(p.relative_to(tmp_path) for p in outputs(tmp_path, "*.ckpt", prerequisite_run))
    assert checkpoints == [Path("run/checkpoints/last.ckpt")]
    assert torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)["global_step"] == MAX_STEPS

    # evaluation metrics: one row per evaluation (at steps 2 and 4; the end's is the step-4 one)
    if csv_logger and "Evaluation" in callbacks:
        (metrics_file,) = run.rglob("metrics.csv")
        with metrics_file.open() as f:
            rows = [
                row for row in csv.DictReader(f) if any(k.startswith("val/") and v for k, v in row.items())
            ]
        assert [int(row["step"]) for row in rows] == [2, 4]
