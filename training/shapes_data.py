"""The sana-shapes training set: scene rows written by scripts/make-shapes-dataset.ts, drawn into pixels here.

`render_batch` is a port of packages/scenes/src/render.ts (signed distance per pixel, one-pixel anti-aliasing
ramp, objects painted in order), vectorised over a batch of scenes. It runs on numpy (CPU, tests) or torch
(GPU, training) through the small `Ops` adapter; test_shapes_data.py checks it against pixels drawn by the
TypeScript renderer.
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass

import numpy as np


@dataclass
class SceneSet:
    header: dict
    seeds: list          # scene seeds
    backgrounds: list    # background index per scene
    objects: list        # per scene: [[shape, color, cx, cy, r], ...]
    tails: list          # per scene: caption token ids after the shared CHI prefix

    def __len__(self) -> int:
        return len(self.seeds)


def load_scenes(path: str) -> SceneSet:
    """Reads a .jsonl.gz written by make-shapes-dataset.ts."""
    with gzip.open(path, "rt") as f:
        header = json.loads(f.readline())
        if header.get("format") != "sana-shapes-scenes/1":
            raise ValueError(f"{path}: not a sana-shapes scene file (format {header.get('format')!r})")
        seeds, bgs, objs, tails = [], [], [], []
        for line in f:
            if not line.strip():
                continue
            seed, bg, o, ids = json.loads(line)
            seeds.append(seed)
            bgs.append(bg)
            objs.append(o)
            tails.append(ids)
    return SceneSet(header, seeds, bgs, objs, tails)


class Ops:
    """The handful of array operations the rasterizer needs, for numpy or torch."""

    def __init__(self, backend: str = "numpy", device=None):
        self.backend = backend
        self.device = device
        if backend == "torch":
            import torch

            self.t = torch

    def array(self, x, dtype="float"):
        if self.backend == "numpy":
            return np.asarray(x, dtype=np.float64 if dtype == "float" else np.int64)
        t = self.t
        return t.as_tensor(np.asarray(x), dtype=t.float32 if dtype == "float" else t.int64, device=self.device)

    def clip(self, x, lo, hi):
        return np.clip(x, lo, hi) if self.backend == "numpy" else x.clamp(lo, hi)

    def sqrt(self, x):
        return np.sqrt(x) if self.backend == "numpy" else self.t.sqrt(x)

    def minimum(self, a, b):
        return np.minimum(a, b) if self.backend == "numpy" else self.t.minimum(a, b)

    def where(self, c, a, b):
        return np.where(c, a, b) if self.backend == "numpy" else self.t.where(c, a, b)

    def floor(self, x):
        return np.floor(x) if self.backend == "numpy" else self.t.floor(x)

    def ones(self, shape):
        return np.ones(shape) if self.backend == "numpy" else self.t.ones(shape, device=self.device)


def _polygon_sdf(ops: Ops, px, py, vx, vy):
    """Signed distance [n, H, W] from pixel centres (px [1, 1, W], py [1, H, 1]) to n polygons (vx, vy [n, V])."""
    n_v = vx.shape[1]
    c = lambda a: a[:, None, None]  # noqa: E731  [n] -> [n, 1, 1]
    d = (px - c(vx[:, 0])) ** 2 + (py - c(vy[:, 0])) ** 2
    s = ops.ones(d.shape)
    for i in range(n_v):
        j = (i - 1) % n_v
        ex = c(vx[:, j] - vx[:, i])
        ey = c(vy[:, j] - vy[:, i])
        wx = px - c(vx[:, i])
        wy = py - c(vy[:, i])
        t = ops.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0, 1.0)
        bx = wx - ex * t
        by = wy - ey * t
        d = ops.minimum(d, bx * bx + by * by)
        c1 = py >= c(vy[:, i])
        c2 = py < c(vy[:, j])
        c3 = ex * wy > ey * wx
        flip = (c1 & c2 & c3) | (~c1 & ~c2 & ~c3)
        s = ops.where(flip, -s, s)
    return s * ops.sqrt(d)


def render_batch(header: dict, backgrounds, objects, size: int, ops: Ops):
    """Scenes -> float RGB [B, 3, size, size] in 0..255, rounded to integers as the 8-bit TS renderer does."""
    b = len(backgrounds)
    bg = ops.array([header["backgrounds"][i] for i in backgrounds])  # [B, 3]
    img = bg[:, :, None, None] * ops.ones((b, 3, size, size))
    coords = ops.array(np.arange(size) + 0.5)
    px = coords[None, None, :]
    py = coords[:, None][None]
    shapes = header["shapes"]
    colors = header["colors"]
    max_objects = max((len(o) for o in objects), default=0)
    for k in range(max_objects):  # objects are painted in order within a scene
        for shape_index, shape in enumerate(shapes):
            sel = [i for i, o in enumerate(objects) if len(o) > k and o[k][0] == shape_index]
            if not sel:
                continue
            rows = [objects[i][k] for i in sel]
            cx = ops.array([r[2] * size for r in rows])
            cy = ops.array([r[3] * size for r in rows])
            rad = ops.array([r[4] * size for r in rows])
            if shape["kind"] == "circle":
                sd = ops.sqrt((px - cx[:, None, None]) ** 2 + (py - cy[:, None, None]) ** 2) - rad[:, None, None]
            else:
                v = ops.array(shape["vertices"])  # [V, 2] in units of r
                vx = cx[:, None] + v[None, :, 0] * rad[:, None]
                vy = cy[:, None] + v[None, :, 1] * rad[:, None]
                sd = _polygon_sdf(ops, px, py, vx, vy)
            alpha = ops.clip(0.5 - sd, 0.0, 1.0)[:, None]  # [n, 1, H, W]
            col = ops.array([colors[r[1]] for r in rows])[:, :, None, None]
            idx = sel if ops.backend == "numpy" else ops.array(sel, dtype="int")
            img[idx] = img[idx] + (col - img[idx]) * alpha
    return ops.clip(ops.floor(img + 0.5), 0.0, 255.0)
