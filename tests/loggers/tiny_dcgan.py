"""The configs folder and the CLI overrides that shrink configs/dcgan/digits.yaml for the logger tests."""

from pathlib import Path

CONFIGS = Path(__file__).parents[2] / "configs"
TINY_DCGAN = [
    "--model.init_args.data_shape=[1, 16, 16]",
    "--model.init_args.latent_dim=8",
    "--model.init_args.generator_width=8",
    "--model.init_args.discriminator_width=8",
    "--data.init_args.image_size=16",
    "--data.init_args.batch_size=16",
]
