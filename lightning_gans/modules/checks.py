"""Start-up checks of the z -> x family's settings and data: conditioning, packing, shapes, labels.

Each refuses what cannot work with a ``ConfigError`` that names the fix, before any update.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from lightning_gans.errors import ConfigError
from lightning_gans.nets.packing import check_pack

if TYPE_CHECKING:
    from lightning_gans.modules.gan import GAN


def check_data_shape(model: GAN, datamodule) -> None:
    """Raises a ValueError naming both shapes and the fix when the data and the networks disagree."""
    data_shape = getattr(datamodule, "data_shape", None)
    model_shape = getattr(model.generator, "data_shape", None)
    if data_shape is None or model_shape is None or tuple(data_shape) == tuple(model_shape):
        return
    what = (
        "channel count"
        if len(data_shape) == len(model_shape) == 3 and data_shape[0] != model_shape[0]
        else "shape"
    )
    raise ConfigError(
        f"The data's sample {what} does not match the model: data gives {tuple(data_shape)}, "
        f"the generator makes {tuple(model_shape)}. Set model data_shape to {list(data_shape)} "
        "(or change the data module's image_size/channels to match the model)."
    )


def check_conditioning(num_classes: int | None, fake_labels: str, ac_weight: float) -> None:
    """Refuses conditioning settings that cannot work, naming the fix."""
    if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 2):
        raise ConfigError(
            f"num_classes must be an integer >= 2 (the number of classes in the data), got {num_classes!r}. "
            "Set model num_classes to the data's class count, or remove it for an unconditional GAN."
        )
    if fake_labels not in ("uniform", "data"):
        raise ConfigError(f"fake_labels must be 'uniform' or 'data', got {fake_labels!r}.")
    if ac_weight < 0:
        raise ConfigError(f"ac_weight must be >= 0 (0 = no auxiliary classifier), got {ac_weight}.")
    if ac_weight > 0 and num_classes is None:
        raise ConfigError(
            f"ac_weight is {ac_weight} but the model is unconditional: the auxiliary classifier needs class "
            "labels. Set model num_classes: K (the data's class count) or set ac_weight: 0."
        )


def check_packing(pack: int, ac_weight: float, family: str, refusal: str | None) -> None:
    """Refuses packing settings that cannot work, naming the fix."""
    if check_pack(pack) == 1:
        return
    if ac_weight > 0:
        raise ConfigError(
            f"ac_weight is {ac_weight} with pack {pack}: the ACGAN head classifies each sample, but a packed "
            "discriminator sees only packs of samples. Set model ac_weight: 0 or pack: 1."
        )
    if refusal is not None:
        raise ConfigError(f"{family} cannot pack its discriminator (pack {pack}): {refusal} Set pack to 1.")


def check_batch_size(model: GAN, datamodule) -> None:
    """At start-up: a packed discriminator needs batches of whole packs (data modules say ``batch_size``)."""
    batch_size = getattr(datamodule, "batch_size", None)
    if model.pack == 1 or not isinstance(batch_size, int) or batch_size % model.pack == 0:
        return
    lower = batch_size - batch_size % model.pack
    raise ConfigError(
        f"data batch_size {batch_size} is not a multiple of model pack {model.pack}: the discriminator sees "
        f"packs of {model.pack} samples. Set data batch_size to {lower or model.pack} or "
        f"{lower + model.pack}."
    )


def check_labels_in_range(labels: int | torch.Tensor, n: int, num_classes: int) -> torch.Tensor:
    """``(n,)`` long labels from one class (an int) or a sequence of ``n``; a ConfigError names bad classes."""
    labels = torch.full((n,), labels, dtype=torch.long) if isinstance(labels, int) else labels.long()
    if labels.shape != (n,):
        raise ConfigError(f"expected {n} labels (one per sample), got shape {tuple(labels.shape)}.")
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise ConfigError(
            f"class {int(labels.max() if labels.max() >= num_classes else labels.min())} does not exist: this "
            f"model has {num_classes} classes, 0 to {num_classes - 1}."
        )
    return labels


def check_data_labels(model: GAN, datamodule) -> None:
    """At start-up, before any update: a conditional model needs labelled data with its number of classes.

    Data modules say what they yield with ``num_classes`` (None = no class labels) and ``class_counts()``
    (the training split's ``(K,)`` counts). A data module without ``num_classes`` is not checked here; its first
    batch is (``_real_batch``). With ``fake_labels: data`` the model's fake-label distribution is set here.
    """
    if model.num_classes is None or datamodule is None or not hasattr(datamodule, "num_classes"):
        return
    name = type(datamodule).__name__
    data_classes = datamodule.num_classes
    if data_classes is None:
        raise ConfigError(
            f"model num_classes is {model.num_classes} (a conditional GAN) but {name} yields no class labels. "
            "Use a labelled data set (DigitsDataModule, MNIST, FashionMNIST, CIFAR10, ImageFolder) or remove "
            "model num_classes to train an unconditional GAN."
        )
    if data_classes != model.num_classes:
        raise ConfigError(
            f"model num_classes is {model.num_classes} but {name} has {data_classes} classes. Set model "
            f"num_classes: {data_classes}."
        )
    if model.fake_labels == "data":
        if not hasattr(datamodule, "class_counts"):
            raise ConfigError(
                f"fake_labels: data needs the training split's class frequencies, which {name} does not give "
                "(no class_counts()). Set model fake_labels: uniform."
            )
        counts = torch.as_tensor(datamodule.class_counts(), dtype=torch.float)
        model.label_probs.copy_((counts / counts.sum()).to(model.label_probs))
