"""The one-class (Deep SVDD) protocol of the digits data module."""

import pytest
import torch

from lightning_gans import DigitsDataModule


def test_digits_one_class_train_val_test():
    data = DigitsDataModule(image_size=8, batch_size=8, normal_classes=[2, 7], val_fraction=0.1)
    data.setup()
    split = data.split
    assert set(split["train_labels"].tolist()) == {2, 7}
    assert set(split["val_labels"].tolist()) == {2, 7}
    n_normal = len(split["train"]) + len(split["val"])
    assert len(split["val"]) == round(0.1 * n_normal)
    # the held-out images are not in the training split
    assert not any((split["train"] == v).flatten(1).all(1).any() for v in split["val"])
    x, is_anomaly = next(iter(data.test_dataloader()))
    assert len(data.test_dataloader().dataset) == 360  # the whole test split
    labels = split["test_labels"][: len(is_anomaly)]
    assert torch.equal(is_anomaly, (~torch.isin(labels, torch.tensor([2, 7]))).long())
    val_x, val_y = next(iter(data.val_dataloader()))
    assert val_x.shape[1:] == (1, 8, 8)


def test_without_normal_classes_no_val_or_test():
    data = DigitsDataModule(image_size=8)
    assert data.val_dataloader() == [] and data.test_dataloader() == []


@pytest.mark.parametrize("bad", [[], [10], list(range(10))])
def test_bad_normal_classes_are_refused(bad):
    with pytest.raises(ValueError, match="normal_classes"):
        DigitsDataModule(normal_classes=bad)


@pytest.mark.parametrize("name", ["MNIST", "FashionMNIST", "CIFAR10"])
def test_torchvision_sets_one_class(name, tmp_path, monkeypatch):
    import torchvision

    from lightning_gans import CIFAR10DataModule, FashionMNISTDataModule, MNISTDataModule
    from tests.data import fake_sets

    root = tmp_path / "data"
    if name == "MNIST":
        fake_sets.write_mnist(root, n=200, n_test=40)
        cls, raw = MNISTDataModule, torchvision.datasets.MNIST
    elif name == "FashionMNIST":
        fake_sets.write_fashion_mnist(root, n=200, n_test=40)
        cls, raw = FashionMNISTDataModule, torchvision.datasets.FashionMNIST
    else:
        fake_sets.patch_cifar10_md5(monkeypatch, fake_sets.write_cifar10(root, n=200, n_test=40))
        cls, raw = CIFAR10DataModule, torchvision.datasets.CIFAR10
    data = cls(str(root), batch_size=2, num_workers=0, download=False, normal_classes=[3], val_fraction=0.2)
    data.setup("fit")
    train_targets = torch.as_tensor(raw(str(root), train=True).targets)
    test_targets = torch.as_tensor(raw(str(root), train=False).targets)
    n_normal = int((train_targets == 3).sum())
    assert len(data.train_set) + len(data.val_set) == n_normal
    assert len(data.val_set) == round(0.2 * n_normal)
    assert data.class_counts().tolist() == [0, 0, 0, len(data.train_set)] + [0] * 6
    assert {int(y) for _, y in data.val_set} == {3}
    is_anomaly = torch.cat([y for _, y in data.test_dataloader()])
    assert torch.equal(is_anomaly, (test_targets != 3).long())  # the whole test split, in order


def test_image_folder_holds_out_normal_images_for_validation(tmp_path):
    from lightning_gans import ImageFolderDataModule
    from tests.data import fake_sets

    fake_sets.write_image_folder(tmp_path / "normal", n=10)  # 2 classes x 10
    data = ImageFolderDataModule(
        str(tmp_path / "normal"), image_size=8, batch_size=2, num_workers=0, val_fraction=0.2
    )
    data.setup("fit")
    assert len(data.train_set) == 16 and len(data.val_set) == 4
    held_out = set(data.val_set.indices)
    assert held_out.isdisjoint(data.train_set.indices)
    assert sum(len(x) for x, _ in data.val_dataloader()) == 4
    assert data.test_dataloader() == [] and data.num_classes >= 1
    assert (
        ImageFolderDataModule(
            str(tmp_path / "normal"), image_size=8, batch_size=2, num_workers=0
        ).val_dataloader()
        == []
    )
