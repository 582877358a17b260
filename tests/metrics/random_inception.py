"""A randomly initialised torch-fidelity InceptionV3 saved in the real weights-file format (a state dict).

Test machines have no internet, so tests point torchmetrics and torch-fidelity at this file instead of the
downloaded ``weights-inception-2015-12-05-6726825d.pth``. Built once per test session.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from unittest import mock

import torch


@functools.cache
def random_inception_weights_file() -> str:
    import torch_fidelity.feature_extractor_inceptionv3 as fe

    with (
        mock.patch.object(fe, "load_state_dict_from_url", return_value=None),
        mock.patch.object(fe.FeatureExtractorInceptionV3, "load_state_dict", return_value=None),
        torch.random.fork_rng(devices=[]),
    ):
        torch.manual_seed(0)
        net = fe.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    generator = torch.Generator().manual_seed(1)
    state = net.state_dict()
    for name, value in state.items():  # spread the batch-norm statistics so features are not degenerate
        if name.endswith("running_mean"):
            value.copy_(0.1 * torch.randn(value.shape, generator=generator))
        elif name.endswith("running_var"):
            value.copy_(0.5 + torch.rand(value.shape, generator=generator))
    path = Path(tempfile.mkdtemp(prefix="lightning_gans_inception_")) / "weights-inception-random.pth"
    torch.save(state, path)
    return str(path)
