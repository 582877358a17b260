"""Plain ``nn.Module`` networks: no Lightning, no losses."""

from lightning_gans.nets.cluster import ClusterEncoder
from lightning_gans.nets.conditional import ConditionalBatchNorm, ProjectionDiscriminator
from lightning_gans.nets.dcgan import DCGANDiscriminator, DCGANGenerator, ProjectionDCGANDiscriminator
from lightning_gans.nets.encoder import DCGANEncoder, MLPEncoder
from lightning_gans.nets.info import InfoDCGANDiscriminator, InfoDiscriminator, InfoMLPDiscriminator
from lightning_gans.nets.joint import DCGANJointDiscriminator, JointDiscriminator, MLPJointDiscriminator
from lightning_gans.nets.maxout import Maxout, MaxoutDiscriminator
from lightning_gans.nets.mlp import MLPDiscriminator, MLPGenerator, ProjectionMLPDiscriminator
from lightning_gans.nets.packing import PackedDiscriminator, packed_shape
from lightning_gans.nets.translation import PatchDiscriminator, ResnetGenerator, UnetGenerator

__all__ = [
    "ClusterEncoder",
    "ConditionalBatchNorm",
    "DCGANDiscriminator",
    "DCGANEncoder",
    "DCGANGenerator",
    "InfoDCGANDiscriminator",
    "InfoDiscriminator",
    "InfoMLPDiscriminator",
    "DCGANJointDiscriminator",
    "JointDiscriminator",
    "Maxout",
    "MaxoutDiscriminator",
    "MLPDiscriminator",
    "MLPEncoder",
    "MLPGenerator",
    "MLPJointDiscriminator",
    "PackedDiscriminator",
    "PatchDiscriminator",
    "ProjectionDCGANDiscriminator",
    "ProjectionDiscriminator",
    "ProjectionMLPDiscriminator",
    "ResnetGenerator",
    "UnetGenerator",
    "packed_shape",
]
