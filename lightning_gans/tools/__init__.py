"""The tools behind ``lightning-gans sample``, ``interpolate`` and ``evaluate``: one module each, with
``main(argv)``; their options in ``lightning_gans.tools.options`` (argparse only, so ``--help`` is fast), the
helpers they share in ``lightning_gans.tools.common``.

The shared helpers are also importable from here (``from lightning_gans.tools import seeded_noise``); they are
loaded on first use, so importing this package does not import torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lightning_gans.tools.common import (
        check_images,
        class_folder_names,
        has_ema,
        load_generator,
        pick_device,
        seeded_labels,
        seeded_noise,
        to_uint8,
        truncate_noise,
    )
    from lightning_gans.tools.options import add_checkpoint_options

_EXPORTS = {
    "add_checkpoint_options": "lightning_gans.tools.options",
    "check_images": "lightning_gans.tools.common",
    "class_folder_names": "lightning_gans.tools.common",
    "has_ema": "lightning_gans.tools.common",
    "load_generator": "lightning_gans.tools.common",
    "pick_device": "lightning_gans.tools.common",
    "seeded_labels": "lightning_gans.tools.common",
    "seeded_noise": "lightning_gans.tools.common",
    "to_uint8": "lightning_gans.tools.common",
    "truncate_noise": "lightning_gans.tools.common",
}
__all__ = [
    "add_checkpoint_options",
    "check_images",
    "class_folder_names",
    "has_ema",
    "load_generator",
    "pick_device",
    "seeded_labels",
    "seeded_noise",
    "to_uint8",
    "truncate_noise",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lightning_gans.tools' has no attribute {name!r}")
