#!/usr/bin/python3
"""Writes what the CLIP tests compare against, with Debian's python3-torch and
python3-torchvision:

  OUT/models/scripted.pt   a tiny CLIP-shaped model, torch.jit.script
  OUT/models/traced.pt     the same weights, torch.jit.trace_module
  OUT/models/gpu_half.pt   the same weights stored in half precision, its graphs naming
                           the "cuda" device and casting to half, as OpenAI's archives do
  OUT/models/no_methods.pt a TorchScript module without encode_text / encode_image
  OUT/models/not_torchscript.pt  bytes that are no archive
  OUT/images/*             generated PNG and JPEG images: colours and shapes
  OUT/bad/huge.png         a PNG header claiming 100,000 x 100,000 pixels
  OUT/reference.json       token ids, preprocessed pixels (CLIP's own pipeline: torchvision
                           on Pillow images), features and rankings

Usage: make_clip_test_models.py OUT CLIP_DATA_DIR (holding tokenizer_cases.jsonl and
bpe_simple_vocab_16e6.txt.gz, copied beside the models for the C++ side).
"""
import json
import os
import shutil
import struct
import sys
import zlib

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image, ImageDraw

RESOLUTION = 32
CONTEXT = 77
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


class TinyClip(torch.nn.Module):
    """CLIP's interface at toy size: encode_text over token ids (features at the end
    token, the highest id), encode_image over normalised pixels (a patch convolution)."""

    def __init__(self, width: int = 16, dim: int = 8, patch: int = 8):
        super().__init__()
        grid = (RESOLUTION // patch) ** 2
        self.token_embedding = torch.nn.Embedding(49408, width)
        self.positional_embedding = torch.nn.Parameter(torch.randn(CONTEXT, width) * 0.1)
        self.text_projection = torch.nn.Parameter(torch.randn(width, dim) / width**0.5)
        self.conv1 = torch.nn.Conv2d(3, width, patch, stride=patch, bias=False)
        self.proj = torch.nn.Parameter(torch.randn(width * grid, dim) / (width * grid) ** 0.5)
        self.register_buffer("input_resolution", torch.tensor(RESOLUTION))  # a tensor, as OpenAI's
        self.context_length = CONTEXT

    def forward(self, image, text):
        return self.encode_image(image), self.encode_text(text)

    def encode_text(self, text):
        x = torch.tanh(self.token_embedding(text) + self.positional_embedding).cumsum(dim=1)
        x = x[torch.arange(x.shape[0]), text.argmax(dim=-1)]
        return x @ self.text_projection

    def encode_image(self, image):
        x = torch.tanh(self.conv1(image)).flatten(1)
        return x @ self.proj


class GpuHalfClip(TinyClip):
    """The same computation written as OpenAI's archives are: the device constant "cuda"
    and casts to half. Runs only once a loader rewrites those to the CPU and float."""

    def __init__(self):
        super().__init__()
        del self.input_resolution
        self.input_resolution = RESOLUTION  # a plain number, the other form a loader meets

    @torch.jit.export
    def encode_text(self, text):
        x = self.token_embedding(text).to(dtype=torch.float16) + self.positional_embedding
        x = torch.tanh(x).cumsum(dim=1)
        x = x[torch.arange(x.shape[0], device=torch.device("cuda")), text.argmax(dim=-1)]
        return x @ self.text_projection

    @torch.jit.export
    def encode_image(self, image):
        image = image.to(device=torch.device("cuda"), dtype=torch.float16)
        x = torch.tanh(self.conv1(image)).flatten(1)
        return x @ self.proj


class NoMethods(torch.nn.Module):
    def forward(self, x):
        return x + 1


def draw_images(folder):
    """Distinct colours and shapes, in sizes whose resize and centre crop differ, and the
    PNG layouts (16-bit grey is left out: Pillow clips its values to 255 there, where
    picdex keeps the high byte, as Pillow does for 16-bit colour)."""
    os.makedirs(folder, exist_ok=True)
    specs = [  # name, size, background, shape, colour
        ("red-circle.png", (64, 48), "white", "circle", (220, 20, 30)),
        ("green-square.png", (40, 90), "white", "square", (20, 180, 40)),
        ("blue-triangle.png", (33, 33), "black", "triangle", (30, 60, 230)),
        ("yellow-stripes.png", (101, 37), "navy", "stripes", (240, 220, 10)),
        ("purple-circle.jpg", (75, 60), "white", "circle", (140, 30, 160)),
        ("orange-square.jpg", (32, 45), "gray", "square", (250, 140, 0)),
    ]
    names = []
    for name, (w, h), background, shape, colour in specs:
        image = Image.new("RGB", (w, h), background)
        draw = ImageDraw.Draw(image)
        box = (w // 5, h // 5, w - w // 5, h - h // 5)
        if shape == "circle":
            draw.ellipse(box, fill=colour)
        elif shape == "square":
            draw.rectangle(box, fill=colour)
        elif shape == "triangle":
            draw.polygon([(w // 2, h // 6), (w // 6, h - h // 6), (w - w // 6, h - h // 6)], fill=colour)
        else:
            for x in range(0, w, 8):
                draw.rectangle((x, 0, x + 3, h), fill=colour)
        path = os.path.join(folder, name)
        if name.endswith(".jpg"):
            image.save(path, quality=90)
        else:
            image.save(path)
        names.append(name)
    # Other PNG layouts: grey, grey with alpha, palette, RGBA, 16-bit colour.
    grey = Image.linear_gradient("L").resize((50, 40))
    grey.save(os.path.join(folder, "grey-gradient.png"))
    grey_alpha = Image.merge("LA", (grey, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    grey_alpha.save(os.path.join(folder, "grey-alpha.png"))
    palette = Image.open(os.path.join(folder, "red-circle.png")).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    palette.save(os.path.join(folder, "palette-circle.png"))
    rgba = Image.open(os.path.join(folder, "blue-triangle.png")).convert("RGBA")
    rgba.putalpha(grey.resize(rgba.size))
    rgba.save(os.path.join(folder, "rgba-triangle.png"))
    write_rgb16_png(os.path.join(folder, "deep-gradient.png"), 30, 20)
    # Large and noisy, so shrinking uses wide kernels and every weight matters.
    noise = np.random.default_rng(3).integers(0, 256, (375, 500, 3), dtype=np.uint8)
    Image.fromarray(noise).save(os.path.join(folder, "noise.png"))
    Image.fromarray(noise[:, ::-1]).save(os.path.join(folder, "noise.jpg"), quality=75)
    return names + ["grey-gradient.png", "grey-alpha.png", "palette-circle.png",
                    "rgba-triangle.png", "deep-gradient.png", "noise.png", "noise.jpg"]


def write_rgb16_png(path, width, height):
    """A 16-bit-per-channel RGB PNG (Pillow cannot write one): a colour gradient."""
    rows = b""
    for y in range(height):
        row = b"\0"
        for x in range(width):
            for value in (x * 65535 // width, y * 65535 // height, (x * y * 97) % 65536):
                row += struct.pack(">H", value)
        rows += row

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)) +
                png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""))


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png_header(path, width, height):
    """A PNG whose header claims width x height, with almost no pixel data after it."""
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
                png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + png_chunk(b"IEND", b""))


def rgb_tensor(path):
    """uint8 [3, H, W], decoded by Pillow as CLIP's loader decodes."""
    with Image.open(path) as image:
        return torch.from_numpy(np.array(image.convert("RGB"))).permute(2, 0, 1).contiguous()


# CLIP's own preprocessing: torchvision's transforms on a Pillow image (the reference the
# C++ side matches), and the same transforms on a tensor (reported for comparison).
TENSOR_PIPELINE = T.Compose([
    T.Resize(RESOLUTION, interpolation=T.InterpolationMode.BICUBIC, antialias=True),
    T.CenterCrop(RESOLUTION),
    T.ConvertImageDtype(torch.float32),
    T.Normalize(MEAN, STD),
])
PIL_PIPELINE = T.Compose([
    T.Resize(RESOLUTION, interpolation=T.InterpolationMode.BICUBIC),
    T.CenterCrop(RESOLUTION),
    T.ToTensor(),
    T.Normalize(MEAN, STD),
])


def unit_rows(x):
    return torch.nn.functional.normalize(x.float(), dim=1)


def main():
    out, clip_data = sys.argv[1], sys.argv[2]
    torch.manual_seed(7)
    models = os.path.join(out, "models")
    os.makedirs(models, exist_ok=True)
    shutil.copyfile(os.path.join(clip_data, "bpe_simple_vocab_16e6.txt.gz"),
                    os.path.join(models, "bpe_simple_vocab_16e6.txt.gz"))

    model = TinyClip().eval()
    with torch.no_grad():  # weights representable in half, so every variant computes alike
        for p in model.parameters():
            p.copy_(p.half().float())
    with open(os.path.join(clip_data, "tokenizer_cases.jsonl")) as f:
        cases = [json.loads(line) for line, _ in zip(f, range(6))]
    texts = [c["text"] for c in cases]
    ids = torch.zeros(len(cases), CONTEXT, dtype=torch.long)
    for i, c in enumerate(cases):
        ids[i, : len(c["ids"])] = torch.tensor(c["ids"])

    names = draw_images(os.path.join(out, "images"))
    # A PNG that claims a 100,000 x 100,000 canvas in a few bytes.
    os.makedirs(os.path.join(out, "bad"), exist_ok=True)
    write_png_header(os.path.join(out, "bad", "huge.png"), 100000, 100000)
    pixels = torch.stack([PIL_PIPELINE(Image.open(os.path.join(out, "images", n)).convert("RGB"))
                          for n in names])
    tensor_pixels = torch.stack([TENSOR_PIPELINE(rgb_tensor(os.path.join(out, "images", n)))
                                 for n in names])

    traced = torch.jit.trace_module(model, {"forward": (pixels[:2], ids[:2]),
                                            "encode_text": ids[:2], "encode_image": pixels[:2]},
                                    check_trace=False)
    traced.save(os.path.join(models, "traced.pt"))
    # Scripting compiles forward and the methods marked for export; marked only now, as
    # tracing refuses methods compiled already.
    for name in ("encode_text", "encode_image"):
        torch.jit.export(getattr(TinyClip, name))
    scripted = torch.jit.script(model)
    scripted.save(os.path.join(models, "scripted.pt"))

    gpu_half = GpuHalfClip().eval()
    gpu_half.load_state_dict(model.state_dict(), strict=False)
    torch.jit.script(gpu_half.half()).save(os.path.join(models, "gpu_half.pt"))
    try:  # it must not run as it is here, or it would prove nothing about the loader
        torch.jit.load(os.path.join(models, "gpu_half.pt")).encode_text(ids)
        gpu_half_runs_unpatched = True
    except RuntimeError:
        gpu_half_runs_unpatched = False
    torch.jit.script(NoMethods()).save(os.path.join(models, "no_methods.pt"))
    with open(os.path.join(models, "not_torchscript.pt"), "wb") as f:
        f.write(b"PK\x03\x04 this is not a TorchScript archive" * 10)

    with torch.no_grad():
        text_features = unit_rows(scripted.encode_text(ids))
        image_features = unit_rows(scripted.encode_image(pixels))
        traced_text = unit_rows(traced.encode_text(ids))
        traced_image = unit_rows(traced.encode_image(pixels))
    scores = text_features @ image_features.T
    rankings = [[names[j] for j in torch.argsort(row, descending=True)] for row in scores]

    reference = {
        "resolution": RESOLUTION,
        "gpu_half_runs_unpatched": gpu_half_runs_unpatched,
        "texts": texts,
        "text_features": text_features.tolist(),
        "traced_text_features": traced_text.tolist(),
        "images": names,
        "pixels": pixels.flatten(1).tolist(),
        "tensor_pipeline_max_difference": float((pixels - tensor_pixels).abs().max()),
        "image_features": image_features.tolist(),
        "traced_image_features": traced_image.tolist(),
        "rankings": rankings,
        "scores": scores.tolist(),
    }
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(reference, f)


if __name__ == "__main__":
    main()
