"""Plain ``nn.Module`` networks: no Lightning, no losses."""

from lightning_gans.nets.conditional import ConditionalBatchNorm, ProjectionDiscriminator
from lightning_gans.nets.dcgan import DCGANDiscriminator, DCGANGenerator, ProjectionDCGANDiscriminator
from lightning_gans.nets.info import InfoDCGANDiscriminator, InfoDiscriminator, InfoMLPDiscriminator
from lightning_gans.nets.mlp import MLPDiscriminator, MLPGenerator, ProjectionMLPDiscriminator

__all__ = [
    "ConditionalBatchNorm",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "InfoDCGANDiscriminator",
    "InfoDiscriminator",
    "InfoMLPDiscriminator",
    "MLPDiscriminator",
    "MLPGenerator",
    "ProjectionDCGANDiscriminator",
    "ProjectionDiscriminator",
    "ProjectionMLPDiscriminator",
]
