"""``GANModelSummary``: Lightning's model summary without the column of zeros.

Lightning counts FLOPs only with an ``example_input_array``; a GAN has none (its inputs are noise the loop draws),
so the stock table shows a FLOPs column of ``0`` on every row and "0 Total Flops". Here both are left out when the
count is zero, and shown as Lightning shows them when a module does give an example input.
"""

from __future__ import annotations

import logging
from typing import Any

from lightning.pytorch.callbacks import ModelSummary
from lightning.pytorch.utilities.model_summary.model_summary import _format_summary_table
from typing_extensions import override

log = logging.getLogger("lightning.pytorch.callbacks.model_summary")


class GANModelSummary(ModelSummary):
    """``ModelSummary`` (same ``max_depth``) whose table has no FLOPs column or line when nothing was counted."""

    @staticmethod
    @override
    def summarize(
        summary_data: list[tuple[str, list[str]]],
        total_parameters: int,
        trainable_parameters: int,
        model_size: float,
        total_training_modes: dict[str, int],
        total_flops: int,
        **summarize_kwargs: Any,
    ) -> None:
        if total_flops:
            ModelSummary.summarize(
                summary_data,
                total_parameters,
                trainable_parameters,
                model_size,
                total_training_modes,
                total_flops,
                **summarize_kwargs,
            )
            return
        columns = [column for column in summary_data if column[0] != "FLOPs"]
        table = _format_summary_table(
            total_parameters, trainable_parameters, model_size, total_training_modes, total_flops, *columns
        )
        lines = table.splitlines()
        if lines and lines[-1].rstrip().endswith("Total Flops"):
            lines = lines[:-1]
        log.info("\n" + "\n".join(lines))
