"""Plain ``nn.Module`` networks: no Lightning, no losses."""

from lightning_gans.nets.conditional import ConditionalBatchNorm, ProjectionDiscriminator
from lightning_gans.nets.dcgan import DCGANDiscriminator, DCGANGenerator, ProjectionDCGANDiscriminator
from lightning_gans.nets.encoder import DCGANEncoder, MLPEncoder
from lightning_gans.nets.info import InfoDCGANDiscriminator, InfoDiscriminator, InfoMLPDiscriminator
from lightning_gans.nets.joint import DCGANJointDiscriminator, JointDiscriminator, MLPJointDiscriminator
from lightning_gans.nets.mlp import MLPDiscriminator, MLPGenerator, ProjectionMLPDiscriminator

__all__ = [
    "ConditionalBatchNorm",
    "DCGANDiscriminator",
    "DCGANEncoder",
    "DCGANGenerator",
    "InfoDCGANDiscriminator",
    "InfoDiscriminator",
    "InfoMLPDiscriminator",
    "DCGANJointDiscriminator",
    "JointDiscriminator",
    "MLPDiscriminator",
    "MLPEncoder",
    "MLPGenerator",
    "MLPJointDiscriminator",
    "ProjectionDCGANDiscriminator",
    "ProjectionDiscriminator",
    "ProjectionMLPDiscriminator",
]
