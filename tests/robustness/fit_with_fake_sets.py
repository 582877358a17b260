"""``python fit_with_fake_sets.py fit ...``: the real CLI, with torchvision's MD5 lists patched to match the tiny
CIFAR-10 / CelebA files under ``$FAKE_SETS_ROOT`` (written by ``tests.data.fake_sets``).

A subprocess cannot use pytest's ``monkeypatch``; and Lightning's DDP launcher starts the other ranks by running
this same script again, so every rank patches before it loads the data.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from lightning_gans.cli import main

# by path: outside pytest, `tests` may name another installed package (several ship a top-level `tests`)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
import fake_sets  # noqa: E402

if __name__ == "__main__":
    root = Path(os.environ["FAKE_SETS_ROOT"])
    patch = pytest.MonkeyPatch()
    if (root / "cifar-10-batches-py").is_dir():
        fake_sets.patch_cifar10_md5(patch, root / "cifar-10-batches-py")
    if (root / "celeba").is_dir():
        fake_sets.patch_celeba_md5(patch, root / "celeba")
    main(sys.argv[1:])
