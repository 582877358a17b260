"""Experiment loggers: a Weights & Biases logger that falls back to offline mode on its own.

``lightning_gans.loggers.WandbLogger`` is Lightning's ``WandbLogger`` with one difference: before ``wandb.init`` it
decides whether the run can be online. With no API key, an unreachable server, or a ``wandb.init`` that fails,
the run is logged offline to the local ``wandb/`` folder, one line says so and names the ``wandb sync`` command
that uploads it later, and training goes on. Configs add it with ``--config configs/logger/wandb.yaml``.
"""

from __future__ import annotations

import os
import secrets
import string
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Literal

from lightning.pytorch.loggers import WandbLogger as LightningWandbLogger
from lightning.pytorch.utilities import rank_zero_only
from typing_extensions import override

DEFAULT_BASE_URL = "https://api.wandb.ai"


def wandb_base_url() -> str:
    """The W&B server that ``wandb.init`` would talk to: ``WANDB_BASE_URL``, else wandb's own setting."""
    url = os.environ.get("WANDB_BASE_URL")
    if url:
        return url
    try:
        import wandb

        return str(wandb.setup().settings.base_url)
    except Exception:  # an old or broken wandb install: fall back to the public server
        return DEFAULT_BASE_URL


def has_wandb_credentials(base_url: str) -> bool:
    """True when wandb can find credentials for ``base_url`` without prompting.

    Looks where ``wandb.init`` looks: ``WANDB_API_KEY``, ``WANDB_IDENTITY_TOKEN_FILE``, then the netrc file
    (``NETRC`` or ``~/.netrc``) that ``wandb login`` writes.
    """
    if os.environ.get("WANDB_API_KEY") or os.environ.get("WANDB_IDENTITY_TOKEN_FILE"):
        return True
    try:  # wandb's own netrc reader knows its host aliases (api.wandb.ai <-> its forge URL)
        from wandb.sdk.lib.wbauth import wbnetrc

        return wbnetrc.read_netrc_auth(host=base_url) is not None
    except ImportError:
        pass
    except Exception:  # an unreadable or malformed netrc: wandb.init could not use it either
        return False
    import netrc
    from urllib.parse import urlsplit

    path = Path(os.environ.get("NETRC") or "~/.netrc").expanduser()
    try:
        hosts = netrc.netrc(path).hosts
    except (OSError, netrc.NetrcParseError):
        return False
    return any(hosts.get(host) for host in {urlsplit(base_url).netloc, "api.wandb.ai"})


def server_reachable(url: str, timeout: float = 3.0) -> bool:
    """True when an HTTP request to ``url`` gets any answer (an error status counts) within ``timeout`` seconds.

    Goes through ``urllib``, so ``HTTPS_PROXY``/``NO_PROXY`` apply as they do for wandb.
    """
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):  # URLError, DNS failure, refused, timeout, bad URL
        return False


def choose_wandb_mode(
    offline: bool | None, probe_timeout: float = 3.0
) -> tuple[Literal["online", "offline", "disabled"], str | None]:
    """The mode for ``wandb.init`` and, when it falls back to offline on its own, the reason why.

    ``offline=True``/``False`` force the mode. ``None`` (auto) honours ``WANDB_MODE=offline|dryrun|disabled``,
    and otherwise goes online only with credentials and a reachable server.
    """
    if offline is not None:
        return ("offline" if offline else "online"), None
    env_mode = os.environ.get("WANDB_MODE", "").strip().lower()
    if env_mode in ("offline", "dryrun"):
        return "offline", None
    if env_mode == "disabled":
        return "disabled", None
    base_url = wandb_base_url()
    if not has_wandb_credentials(base_url):
        return "offline", "no W&B API key found (set WANDB_API_KEY or run `wandb login`)"
    if not server_reachable(base_url, probe_timeout):
        return "offline", f"the W&B server {base_url} is unreachable"
    return "online", None


def new_run_id() -> str:
    """An 8-character W&B run id (lower-case letters and digits, as wandb's own), from ``secrets``."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False


def _short_path(path: str) -> str:
    """``path`` relative to the working folder when it is inside it, else as it is."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


class WandbLogger(LightningWandbLogger):
    """Lightning's ``WandbLogger`` that goes offline on its own when it cannot log online.

    Logs what Lightning's logger logs (hyperparameters, every ``self.log`` metric, images from
    ``SampleGrid``) and, with ``log_model``, the ``ModelCheckpoint`` files as ``model`` artifacts. Offline runs keep
    their artifacts too: ``wandb sync`` uploads them with the rest.

    Args:
        project: W&B project (default ``WANDB_PROJECT``, else ``lightning-gans``).
        name: display name of the run.
        save_dir: folder that receives ``wandb/``; the run's own folder (``trainer.log_dir``: its
            ``config.yaml``, ``samples/``) is ``<save_dir>/<project>/<run id>/``, so two runs never overwrite each
            other's files.
        offline: ``None`` (auto): online when an API key is found and the server answers, else offline with one
            printed line; ``True``: always offline; ``False``: always online (fails without a key or network).
        log_model: ``False``; ``True`` logs checkpoints at the end of training; ``"all"`` as they are written.
        entity, group, tags, notes, job_type: passed to ``wandb.init``.
        id: resume the run with this id.
        prefix: prefix of every metric key.
        checkpoint_name: name of the model artifact (default ``model-<run id>``).
        probe_timeout: seconds to wait for the server when deciding the mode.
        **kwargs: any other ``wandb.init`` argument (Python use).
    """

    def __init__(
        self,
        project: str | None = None,
        name: str | None = None,
        save_dir: str | Path = ".",
        offline: bool | None = None,
        log_model: Literal["all"] | bool = False,
        entity: str | None = None,
        group: str | None = None,
        tags: list[str] | None = None,
        notes: str | None = None,
        job_type: str | None = None,
        id: str | None = None,
        prefix: str = "",
        checkpoint_name: str | None = None,
        probe_timeout: float = 3.0,
        **kwargs: Any,
    ) -> None:
        # LightningCLI passes every wandb.init parameter it can see, most as None: dropping those keeps
        # Lightning's own defaults (resume="allow") and leaves `mode` to `experiment`.
        init_kwargs = {
            k: v
            for k, v in dict(
                entity=entity, group=group, tags=tags, notes=notes, job_type=job_type, **kwargs
            ).items()
            if v is not None
        }
        # The run id is chosen here, not by wandb.init, so the run folder is known before the run starts (the
        # config and the first sample grid are written before any metric). `secrets`, not `random`: a seeded
        # run's RNG streams stay untouched.
        id = id or new_run_id()
        # The mode is decided in `experiment`, not through Lightning's `offline` flag, which forbids log_model
        # and sets WANDB_MODE for the whole process.
        super().__init__(
            name=name,
            save_dir=save_dir,
            id=id,
            project=project or os.environ.get("WANDB_PROJECT", "lightning-gans"),
            log_model=log_model,
            prefix=prefix,
            checkpoint_name=checkpoint_name,
            **init_kwargs,
        )
        if self._wandb_init.get("anonymous") is None:
            del self._wandb_init["anonymous"]  # wandb warns about the setting even when it is None
        self._offline_choice = offline
        self._probe_timeout = probe_timeout
        self.fallback_reason: str | None = None
        """Why the run went offline on its own (None when it did not)."""

    @property
    @override
    def save_dir(self) -> str:
        """This run's own folder, ``<save_dir>/<project>/<run id>``: what ``trainer.log_dir`` returns for a W&B
        run (Lightning uses ``save_dir`` there), so ``config.yaml`` and ``samples/`` of two runs never collide."""
        return os.path.join(self._save_dir or ".", self._project, str(self.version))

    @property
    @override
    def experiment(self):
        if self._experiment is None and self._wandb_init.get("mode") is None and self._needs_new_run():
            self._start_run()
        return super().experiment

    @staticmethod
    def _needs_new_run() -> bool:
        import wandb

        return rank_zero_only.rank == 0 and wandb.run is None

    def _start_run(self) -> None:
        import wandb

        mode, reason = choose_wandb_mode(self._offline_choice, self._probe_timeout)
        # absolute: the wandb-core service outlives runs and resolves relative paths against its own start folder
        self._wandb_init["dir"] = os.path.abspath(self._wandb_init.get("dir") or ".")
        Path(self._wandb_init["dir"]).mkdir(parents=True, exist_ok=True)
        quiet = not _is_terminal(sys.stderr)
        if quiet and "settings" not in self._wandb_init:
            # wandb's banner ("wandb: Tracking run with ...", colour codes and all) is for a terminal; in a log
            # file or a pipe one plain line below says where the run is
            self._wandb_init["settings"] = wandb.Settings(silent=True)
        try:
            self._wandb_init["mode"] = mode
            super().experiment  # noqa: B018 -- Lightning's property runs wandb.init and sets the x-axis
        except Exception as err:
            if mode != "online" or self._offline_choice is False:
                raise
            reason = f"wandb.init failed online ({type(err).__name__}: {err})"
            self._experiment = None
            if wandb.run is not None:
                wandb.finish()
            self._wandb_init["mode"] = "offline"
            super().experiment  # noqa: B018
        run_dir = _short_path(self._experiment.settings.sync_dir)
        if reason is not None:
            self.fallback_reason = reason
            print(
                f"W&B: logging offline, {reason}; upload the run later with: wandb sync {run_dir}",
                file=sys.stderr,
                flush=True,
            )
        elif quiet and self._wandb_init["mode"] == "online":
            print(f"W&B: run at {self._experiment.url}", file=sys.stderr, flush=True)
        elif quiet:
            print(
                f"W&B: offline run in {run_dir} (`wandb sync {run_dir}` uploads it)",
                file=sys.stderr,
                flush=True,
            )
