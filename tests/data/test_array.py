"""ArrayDataModule: the file formats, standardisation with statistics kept in the checkpoint, the label column
and the one-class split, and errors that name the bad file."""

import numpy as np
import pytest
import torch
from lightning.pytorch import Trainer

from lightning_gans import ArrayDataModule, BiGAN
from lightning_gans.data.array import BadArrayError, read_array


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    x = rng.normal(loc=[5.0, -2.0, 0.0], scale=[2.0, 0.5, 1.0], size=(60, 3))
    labels = np.repeat([0, 1, 2], 20)
    return np.column_stack([x, labels])


@pytest.mark.parametrize("fmt", ["npy", "csv", "csv_header", "pt", "memory"])
def test_formats_read_the_same_values(table, tmp_path, fmt):
    if fmt == "npy":
        np.save(tmp_path / "t.npy", table)
        source = str(tmp_path / "t.npy")
    elif fmt.startswith("csv"):
        header = "a,b,c,label" if fmt == "csv_header" else ""
        np.savetxt(tmp_path / "t.csv", table, delimiter=",", header=header, comments="")
        source = str(tmp_path / "t.csv")
    elif fmt == "pt":
        torch.save(torch.from_numpy(table), tmp_path / "t.pt")
        source = str(tmp_path / "t.pt")
    else:
        source = table
    values, names = read_array(source)
    torch.testing.assert_close(values, torch.from_numpy(table).float())
    assert names == (["a", "b", "c", "label"] if fmt == "csv_header" else None)


def test_standardised_with_training_statistics_and_one_class_split(table):
    data = ArrayDataModule(table, label_column=-1, normal_classes=[1], val_fraction=0.25, batch_size=4)
    data.setup()
    train = torch.from_numpy(table[table[:, -1] == 1][:, :3]).float()
    assert len(data.split["train"]) == 15 and len(data.split["val"]) == 5
    # statistics of the training rows only (the held-out rows are not in them)
    assert torch.allclose(data.split["train"].mean(0), torch.zeros(3), atol=1e-5)
    assert torch.allclose(data.split["train"].std(0), torch.ones(3), atol=1e-5)
    assert not torch.allclose(data.mean, train.mean(0))  # 5 rows held out
    assert data.split["test_is_anomaly"].tolist() == [1] * 20 + [0] * 20 + [1] * 20
    assert data.data_shape == (3,)


def test_statistics_travel_in_the_checkpoint(table, tmp_path, fast_trainer_kwargs):
    data = ArrayDataModule(table[:, :3], batch_size=8)
    model = BiGAN(data_shape=[3], latent_dim=2, hidden_dims=(8,))
    trainer = Trainer(max_steps=2, **fast_trainer_kwargs)
    trainer.fit(model, data)
    trainer.save_checkpoint(tmp_path / "m.ckpt")
    stored = torch.load(tmp_path / "m.ckpt", weights_only=True)["ArrayDataModule"]
    torch.testing.assert_close(stored["mean"], data.mean)
    torch.testing.assert_close(stored["std"], data.std)


def test_bad_files_are_named(tmp_path):
    (tmp_path / "bad.csv").write_text("1,2,3\n4,x,6\n")
    with pytest.raises(BadArrayError, match=r"bad.csv, line 2"):
        read_array(tmp_path / "bad.csv")
    (tmp_path / "ragged.csv").write_text("1,2,3\n4,5\n")
    with pytest.raises(BadArrayError, match=r"ragged.csv, line 2: 2 values"):
        read_array(tmp_path / "ragged.csv")
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(BadArrayError, match="junk.npy"):
        read_array(tmp_path / "junk.npy")
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2)))
    with pytest.raises(BadArrayError, match=r"cube.npy has shape \(2, 2, 2\)"):
        read_array(tmp_path / "cube.npy")
