"""Reads what an offline W&B run wrote: the records of its ``run-<id>.wandb`` file and its media files.

wandb 0.31 has no Python reader for its transaction log any more (the Go ``wandb-core`` writes it), so this
follows the documented format: LevelDB's log format (32 KiB blocks of chunks with a 7-byte header: CRC32 of the
chunk type and data, length, type FULL/FIRST/MIDDLE/LAST) after a 7-byte ``:W&B`` file header; each record is a
``wandb.proto.wandb_internal_pb2.Record`` protobuf.

Import with ``from tests.loggers.wandb_records import read_run``.
"""

from __future__ import annotations

import json
import struct
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from wandb.proto import wandb_internal_pb2

BLOCK = 32 * 1024
HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def records(path: str | Path) -> list[wandb_internal_pb2.Record]:
    """Every record in a ``.wandb`` file, checksums verified."""
    data = Path(path).read_bytes()
    if data[:4] != b":W&B":
        raise ValueError(f"{path} is not a W&B transaction log")
    out, pending, pos = [], b"", HEADER
    while pos + HEADER <= len(data):
        if BLOCK - pos % BLOCK < HEADER:  # a block's tail too short for a header is zero padding
            pos += BLOCK - pos % BLOCK
            continue
        checksum, length, kind = struct.unpack("<IHB", data[pos : pos + HEADER])
        chunk = data[pos + HEADER : pos + HEADER + length]
        pos += HEADER + length
        if kind == 0 and length == 0:
            continue
        if zlib.crc32(chunk, zlib.crc32(bytes([kind]))) != checksum:
            raise ValueError(f"corrupt chunk at byte {pos} of {path}")
        pending += chunk
        if kind in (FULL, LAST):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            out.append(record)
            pending = b""
    return out


def _key(item) -> str:
    return item.key or "/".join(item.nested_key)


@dataclass
class OfflineRun:
    """The parts of an offline run the tests check."""

    folder: Path
    config: dict = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    artifacts: list[tuple[str, str, list[str]]] = field(default_factory=list)
    """``(name, type, file names)`` of each logged artifact."""

    @property
    def images(self) -> list[Path]:
        return sorted((self.folder / "files" / "media" / "images").glob("*.png"))

    def values(self, key: str) -> list:
        """The logged values of ``key`` in logging order."""
        return [row[key] for row in self.history if key in row]


def finished_records(folder: Path, timeout: float = 60.0) -> list[wandb_internal_pb2.Record]:
    """The records of the run in ``folder`` once its ``exit`` record is on disk.

    ``wandb.finish()`` can return before wandb-core has flushed the log of an offline run, so this polls.
    """
    deadline = time.monotonic() + timeout
    while True:
        logs = list(folder.glob("run-*.wandb"))
        if logs:
            try:
                found = records(logs[0])
            except ValueError:  # a chunk being written
                found = []
            if any(r.WhichOneof("record_type") == "exit" for r in found):
                return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"no complete W&B run log in {folder} after {timeout} s")
        time.sleep(0.2)


def read_run(folder: str | Path) -> OfflineRun:
    """Reads ``wandb/offline-run-*/``: its config updates, history rows and artifacts."""
    folder = Path(folder)
    run = OfflineRun(folder)
    for record in finished_records(folder):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            for item in record.run.config.update:
                run.config[_key(item)] = json.loads(item.value_json)
        elif kind == "config":
            for item in record.config.update:
                run.config[_key(item)] = json.loads(item.value_json)
        elif kind == "history":
            run.history.append({_key(item): json.loads(item.value_json) for item in record.history.item})
        elif kind == "artifact":
            files = [entry.path for entry in record.artifact.manifest.contents]
            run.artifacts.append((record.artifact.name, record.artifact.type, files))
    return run
