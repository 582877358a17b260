"""Plain ``nn.Module`` networks: no Lightning, no losses."""

from lightning_gans.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from lightning_gans.nets.mlp import MLPDiscriminator, MLPGenerator

__all__ = ["DCGANDiscriminator", "DCGANGenerator", "MLPDiscriminator", "MLPGenerator"]
