"""The translation speed benchmark's own side: its cases are translation.py's tasks, its clock counts the steps
after the warm-up, parameter counts use the reference's network names, and ``--tiny --no-ref`` runs end to end
(the reference side needs ``.venv-ref`` and the reference's source: ``make bench-translation-speed`` only)."""

from __future__ import annotations

import json

import pytest
import torch

from lightning_gans import CycleGAN
from tests.benchmarks.test_speed_script import load


@pytest.fixture
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_cases_are_the_translation_tasks_with_their_channels():
    speed = load("translation_speed")
    cases = {c.name: c for c in speed.cases(width=16, n_blocks=6, batch_size=16)}
    assert set(cases) == {"mnist5k_digits", "mnist5k_mnistm", "mnistm_clean"}
    assert (cases["mnist5k_digits"].channels_a, cases["mnist5k_digits"].channels_b) == (1, 1)
    assert (cases["mnist5k_mnistm"].channels_a, cases["mnist5k_mnistm"].channels_b) == (3, 3)
    assert (
        cases["mnistm_clean"].model,
        cases["mnistm_clean"].channels_a,
        cases["mnistm_clean"].channels_b,
    ) == (
        "pix2pix",
        3,
        1,
    )
    assert {(c.image_size, c.width, c.batch_size, c.n_layers) for c in cases.values()} == {(32, 16, 16, 3)}


def test_step_clock_times_the_steps_after_the_warmup():
    speed = load("translation_speed")
    clock = speed.StepClock()
    clock.marks = [(0.0, 0.0), (1.0, 2.0), (3.0, 5.0), (6.0, 9.0)]  # ends of batches 0..3
    assert clock.steps(warmup=1) == ([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    assert clock.steps(warmup=2) == ([2.0, 3.0], [3.0, 4.0])


def test_parameters_use_the_reference_names():
    """The reference's G_A maps A -> B and its D_A judges B: with 1-channel A and 3-channel B, D_A has the
    3-channel first convolution."""
    speed = load("translation_speed")
    model = CycleGAN(
        channels_a=1, channels_b=3, image_size=32, generator_width=4, discriminator_width=4, n_blocks=1
    )
    counts = speed.our_parameters(model)
    assert counts["D_A"] == sum(p.numel() for p in model.discriminator_b.parameters())
    assert counts["D_A"] - counts["D_B"] == 2 * 4 * 4 * 4  # two more input channels x ndf x 4 x 4
    assert counts["G_A"] == sum(p.numel() for p in model.generator_ab.parameters())


@pytest.mark.slow  # three Trainer runs: about 15 CPU s
def test_tiny_run_of_our_side_writes_the_report(tmp_path, restore_threads):
    speed = load("translation_speed")
    report = speed.main(["--tiny", "--no-ref", "--out", str(tmp_path)])
    assert report["reference"] is None
    assert set(report["cases"]) == {"mnist5k_digits", "mnist5k_mnistm", "mnistm_clean"}
    for entry in report["cases"].values():
        ours = entry["ours"]
        assert ours["timed_steps"] == 2 and len(ours["cpu_s"]) == 2
        assert 0 < ours["cpu_s_per_step"] < 60
        assert "reference" not in entry
    assert json.loads((tmp_path / "speed.json").read_text())["cases"].keys() == report["cases"].keys()
    assert "| mnistm_clean (pix2pix) |" in (tmp_path / "speed.table.txt").read_text()
