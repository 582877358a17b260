"""The one place where lightning-gans silences third-party output that is not the user's doing.

Each filter below is narrow (its message, and the module that emits it) and says why it is harmless. Warnings that
point at a real mistake in a user's code or config are left alone. Installed once, when ``lightning_gans`` is
imported; this module imports only the standard library, so it costs nothing at start-up.

The library's own causes are removed at the source rather than filtered: the EMA copy of the generator follows
the module's train/eval mode (``lightning_gans.ema.make_ema_copy``), so Lightning's "Found N module(s) in eval
mode at the start of training" no longer fires for it (a module a user leaves in eval mode still warns).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings

_installed = False
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
PREFIX = "lightning-gans: warning: "
"""How the library's own warnings start on stderr (instead of ``path/file.py:123: UserWarning: ...``)."""


class LightningGansWarning(UserWarning):
    """A warning of lightning-gans itself: printed as ``lightning-gans: warning: <message>``."""


def is_own(category: type[Warning], filename: str) -> bool:
    """True for a warning of the library: a ``LightningGansWarning``, or a plain ``UserWarning`` attributed to a
    file of the package (``rank_zero_warn``'s default category; a third-party deprecation that a library line
    triggers keeps its usual form)."""
    if issubclass(category, LightningGansWarning):
        return True
    return category is UserWarning and os.path.abspath(filename).startswith(_PACKAGE_DIR)


_previous_show_warning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """``warnings.showwarning`` that prints the library's own warnings as one ``PREFIX`` line (no source path,
    no source line); every other warning goes to the previous hook unchanged. A hook on ``showwarning`` rather
    than ``formatwarning``, because Lightning replaces ``formatwarning`` when it is imported (and would bypass a
    hook installed before it for every path containing "lightning", this package's included)."""
    if not is_own(category, filename):
        return _previous_show_warning(message, category, filename, lineno, file, line)
    stream = sys.stderr if file is None else file
    if stream is None:  # no console (pythonw)
        return None
    with contextlib.suppress(OSError):  # a closed stream must not turn a warning into an error
        stream.write(f"{PREFIX}{message}\n")
    return None


class _DropMessages(logging.Filter):
    """Drops log records whose message starts with one of ``prefixes``."""

    def __init__(self, *prefixes: str) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefixes)


def install() -> None:
    """Installs the filters (idempotent)."""
    global _installed, _previous_show_warning
    if _installed:
        return
    _installed = True

    # 0. the library's own warnings read "lightning-gans: warning: ..." (see _show_warning)
    _previous_show_warning = warnings.showwarning
    warnings.showwarning = _show_warning

    # 1. Lightning's pytree helper builds a ``LeafSpec``, which torch >= 2.9 deprecates with a FutureWarning
    #    attributed to Lightning's own file. Lightning has to change, not the user.
    warnings.filterwarnings(
        "ignore",
        message=r"`isinstance\(treespec, LeafSpec\)` is deprecated",
        category=FutureWarning,
        module=r"lightning\.pytorch\.utilities\._pytree",
    )

    # 2. Lightning's advertising "💡 Tip: ... litlogger" / "... litmodels" lines, printed through its rank-zero
    #    info logger at every fit. They are adverts, not diagnostics; the logger's other lines ("GPU available",
    #    "`Trainer.fit` stopped") stay.
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(_DropMessages("💡 Tip:"))
    #    ... and "Trainer already configured with model summary callbacks: [GANModelSummary]": the CLI adds that
    #    summary itself (Lightning's, without the column of zeros), only when the config has none of its own
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(
        _DropMessages(
            "Trainer already configured with model summary callbacks: "
            "[<class 'lightning_gans.callbacks.model_summary.GANModelSummary'>]"
        )
    )

    # 3. "The number of training batches (22) is smaller than the logging interval Trainer(log_every_n_steps=50)":
    #    Lightning assumes logs per epoch, but its logging cadence counts batches over the whole run (not reset at
    #    epoch boundaries), and a GAN run on a small data set (the digits: 22 batches) spans many epochs, so the
    #    scalars still arrive every ``log_every_n_steps`` generator steps. A run shorter than the interval does
    #    log nothing: ``lightning_gans.callbacks.progress.GANProgressBar`` warns about that case instead.
    warnings.filterwarnings(
        "ignore",
        message=r"The number of training batches \(\d+\) is smaller than the logging interval",
        module=r"lightning\.pytorch\.loops\.fit_loop",
    )

    # 4. torchmetrics warns that KID keeps its features in memory. The ``Evaluation`` callback and
    #    ``lightning-gans evaluate`` create the metric with a bounded number of samples, on purpose.
    warnings.filterwarnings(
        "ignore",
        message=r"Metric `Kernel Inception Distance` will save all extracted features in buffer",
        module=r"torchmetrics\.utilities\.prints",
    )

    # 5. The data modules offer a validation split (held-out normal data, for the detectors' thresholds); a model
    #    without a ``validation_step`` (every generator) simply does not use it, which is what Lightning says on
    #    every run ("You passed in a `val_dataloader` but have no `validation_step`. Skipping val loop.").
    warnings.filterwarnings(
        "ignore",
        message=r"You passed in a `val_dataloader` but have no `validation_step`",
        module=r"lightning\.pytorch\.trainer\.configuration_validator",
    )


_FROZEN_EVAL_FILTERS: dict[int, tuple] = {}


def expect_frozen_eval_modules(model) -> None:
    """Before a fit: silence Lightning's "Found N module(s) in eval mode at the start of training" for ``model``
    when every module it has in eval mode is frozen (no parameter that requires grad), e.g. the trained GAN an
    ``IZIfEncoder`` inverts, kept in eval mode so batch norm keeps its statistics. The filter matches that exact
    count and is removed by ``end_frozen_eval_modules`` when training starts; a module a user leaves in eval mode
    with trainable parameters still warns."""
    in_eval = [module for module in model.modules() if not module.training]
    if not in_eval or any(p.requires_grad for module in in_eval for p in module.parameters()):
        return
    warnings.filterwarnings("ignore", message=rf"Found {len(in_eval)} module\(s\) in eval mode at the start")
    _FROZEN_EVAL_FILTERS[id(model)] = warnings.filters[0]


def end_frozen_eval_modules(model) -> None:
    """Removes the filter ``expect_frozen_eval_modules`` installed for ``model`` (if any)."""
    entry = _FROZEN_EVAL_FILTERS.pop(id(model), None)
    if entry is not None and entry in warnings.filters:
        warnings.filters.remove(entry)
        mutated = getattr(
            warnings, "_filters_mutated", None
        )  # invalidates the per-module "already shown" caches
        if mutated is not None:
            mutated()
