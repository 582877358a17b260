"""``lightning-gans translate``: images of one domain -> the other, with a CycleGAN or Pix2Pix checkpoint.

lightning-gans translate --ckpt runs/cyclegan_digits/checkpoints/last.ckpt --data photos/ --out translated/
lightning-gans translate --ckpt C --data photos/ --direction b2a --out back/ --grid compare.png

One output per input file (folders are read recursively), with the same relative path and name under ``--out``,
at the model's image size (each input is prepared by the library's one image transform: resized so the shorter
side is the model's size, center-cropped). Only the weights of the generators the direction needs are loaded.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torchvision.datasets.folder import IMG_EXTENSIONS

from lightning_gans.capabilities import Translates
from lightning_gans.data.transforms import image_transform
from lightning_gans.data.vision import DataNotFoundError, read_image
from lightning_gans.engine.checkpoint import CLASS_KEY, model_class, model_from_hparams, read_checkpoint
from lightning_gans.errors import CheckpointError, ConfigError
from lightning_gans.render import image_grid, save_png
from lightning_gans.tools import pick_device
from lightning_gans.tools.options import translate_parser as parser

GRID_ROWS = 8


def input_files(data: Path) -> tuple[Path, list[Path]]:
    """``(root, files)``: a single image, or every image under a folder (sorted, recursive)."""
    if not data.exists():
        raise DataNotFoundError(f"--data {data} does not exist: give an image file or a folder of images.")
    if data.is_file():
        return data.parent, [data]
    files = sorted(p for p in data.rglob("*") if p.is_file() and p.suffix.lower() in IMG_EXTENSIONS)
    if not files:
        raise DataNotFoundError(
            f"--data {data} holds no images ({', '.join(sorted(IMG_EXTENSIONS))}): give a folder of images."
        )
    return data, files


def networks_for(direction: str, grid: bool) -> list[str]:
    """The generators (state-dict prefixes) a run needs: the direction's, and the way back for a grid's
    reconstructions."""
    there, back = ("generator_ab", "generator_ba") if direction == "a2b" else ("generator_ba", "generator_ab")
    return [there, back] if grid else [there]


def load_translator(path: str, direction: str, grid: bool, device: torch.device):
    """The checkpoint's translation model with only the weights ``direction`` needs (its EMA copies too)."""
    checkpoint = read_checkpoint(path)
    class_path = checkpoint.get(CLASS_KEY) or checkpoint.get("hyper_parameters", {}).get("_class_path")
    if class_path is None:
        raise CheckpointError(f"{path} was not written by a lightning-gans model (no {CLASS_KEY!r} entry).")
    cls = model_class(class_path)
    if not (isinstance(cls, type) and issubclass(cls, Translates)):
        raise ConfigError(
            f"{path} holds a {cls.__name__}, not a translation model: `lightning-gans translate` needs a CycleGAN "
            "or Pix2Pix checkpoint (configs/cyclegan, configs/pix2pix); `lightning-gans sample` generates from "
            f"a {cls.__name__}."
        )
    model = model_from_hparams(class_path, checkpoint.get("hyper_parameters", {}))  # untrained weights
    if not hasattr(model, "generator_ab"):  # Pix2Pix: one generator, A -> B
        if direction == "b2a":
            raise ConfigError(
                f"{path} is a {cls.__name__}: it translates A -> B only. Use --direction a2b (or train a "
                "CycleGAN for both ways)."
            )
        wanted = ["generator"]
    else:
        wanted = networks_for(direction, grid)
    state = checkpoint["state_dict"]
    needed = {k: v for k, v in state.items() if k.split(".", 1)[0].removesuffix("_ema") in wanted}
    missing = [
        k for k in model.state_dict() if k.split(".", 1)[0].removesuffix("_ema") in wanted and k not in needed
    ]
    if missing:
        raise CheckpointError(
            f"{path} lacks the weights {', '.join(missing[:3])}: it is not a complete checkpoint."
        )
    model.load_state_dict(needed, strict=False)
    return model.to(device).eval()


def read_inputs(files: list[Path], channels: int, size: int, convert: bool) -> torch.Tensor:
    """``(N, channels, size, size)`` in [-1, 1]; an image of other channels is refused (or converted)."""
    transform = image_transform(channels, size)
    images = []
    for path in files:
        image = read_image(str(path))
        has = 1 if image.mode in ("L", "1", "I", "I;16", "F", "LA") else 3
        if has != channels and not convert:
            kind = {1: "grey (1 channel)", 3: "colour (3 channels)"}
            raise ConfigError(
                f"{path} is {kind[has]} but the model's input domain is {kind[channels]}: pass --convert to "
                "convert it, or give images of that domain."
            )
        images.append(transform(image))
    return torch.stack(images)


def translate_in_batches(model, x: torch.Tensor, direction: str, ema: bool, batch_size: int) -> torch.Tensor:
    chunks = [model.translate(chunk, direction, ema=ema).cpu() for chunk in x.split(batch_size)]
    return torch.cat(chunks)


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    root, files = input_files(Path(args.data))
    out = Path(args.out)
    if out.resolve() == root.resolve():
        raise ConfigError(
            f"--out {out} is the input folder: give another folder (the inputs would be overwritten)."
        )
    device = pick_device(args.device)
    model = load_translator(args.ckpt, args.direction, args.grid is not None, device)
    channels_in = model.hparams.channels_a if args.direction == "a2b" else model.hparams.channels_b
    size = model.hparams.image_size
    # the reference's test-time transform: resized to the training crop, no random crop or flip
    x = read_inputs(files, channels_in, size, args.convert)
    translated = translate_in_batches(model, x, args.direction, args.ema, args.batch_size)
    for path, image in zip(files, translated, strict=True):
        target = out / path.relative_to(root)
        if target.resolve() == path.resolve():
            raise ConfigError(f"{target} would overwrite its input: give another --out folder.")
        save_png(image, target)
    print(f"Translated {len(files)} image(s) {args.direction} -> {out}")
    if args.grid is not None:
        shown = x[:GRID_ROWS]
        rows = [shown, translated[:GRID_ROWS]]
        if hasattr(model, "generator_ab"):  # CycleGAN: and back
            back = "b2a" if args.direction == "a2b" else "a2b"
            rows.append(translate_in_batches(model, rows[1], back, args.ema, args.batch_size))
        rows = [r.expand(-1, 3, -1, -1) if r.shape[1] == 1 else r for r in rows]
        grid = save_png(image_grid(torch.cat(rows), nrow=len(shown)), args.grid)
        print(f"Grid (input / translation{' / reconstruction' if len(rows) == 3 else ''}): {grid}")
