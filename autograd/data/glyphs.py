"""Stroke descriptions of the digits 0-9 and a vectorised numpy rasteriser for :class:`SyntheticDigits`.

Glyphs live in a unit box (x to the right, y down, the digit roughly inside ``[0.2, 0.8] x [0.1, 0.9]``).
Each digit has a few styles; each style is a list of strokes; each stroke is a polyline (arcs are sampled).
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["GLYPHS", "render_digits"]

SIZE = 28


def _arc(cx, cy, rx, ry, start, stop, n=None):
    """Points on an elliptic arc from angle ``start`` to ``stop`` (degrees, counter-clockwise as seen)."""
    if n is None:
        n = max(3, int(abs(stop - start) / 24) + 1)
    a = np.radians(np.linspace(start, stop, n))
    return [(cx + rx * np.cos(t), cy - ry * np.sin(t)) for t in a]


GLYPHS = {
    0: [[_arc(0.5, 0.5, 0.26, 0.4, 90, 450, 17)],
        [_arc(0.5, 0.5, 0.22, 0.4, 100, 460, 17)]],
    1: [[[(0.36, 0.24), (0.53, 0.1), (0.53, 0.9)]],
        [[(0.5, 0.1), (0.5, 0.9)]],
        [[(0.36, 0.24), (0.52, 0.1), (0.52, 0.9)], [(0.34, 0.9), (0.7, 0.9)]]],
    2: [[_arc(0.5, 0.32, 0.25, 0.22, 160, -40) + [(0.24, 0.9), (0.8, 0.9)]],
        [_arc(0.5, 0.3, 0.24, 0.2, 170, -20) + [(0.5, 0.62), (0.26, 0.9), (0.78, 0.88)]]],
    3: [[_arc(0.5, 0.3, 0.22, 0.2, 150, -90), _arc(0.5, 0.69, 0.25, 0.21, 90, -150)],
        [[(0.26, 0.1), (0.74, 0.1), (0.46, 0.44)] + _arc(0.5, 0.68, 0.25, 0.22, 100, -150)]],
    4: [[[(0.62, 0.9), (0.62, 0.1), (0.2, 0.64), (0.82, 0.64)]],
        [[(0.36, 0.1), (0.24, 0.6), (0.8, 0.6)], [(0.64, 0.32), (0.64, 0.9)]]],
    5: [[[(0.74, 0.1), (0.34, 0.1), (0.3, 0.46)] + _arc(0.5, 0.66, 0.25, 0.22, 145, -150)],
        [[(0.32, 0.1), (0.29, 0.46)] + _arc(0.5, 0.66, 0.25, 0.22, 145, -150), [(0.32, 0.1), (0.76, 0.1)]]],
    6: [[_arc(0.62, 0.62, 0.36, 0.52, 110, 190), _arc(0.5, 0.68, 0.23, 0.21, 180, 540, 15)],
        [[(0.64, 0.1), (0.28, 0.66)], _arc(0.5, 0.68, 0.23, 0.21, 200, 560, 15)]],
    7: [[[(0.22, 0.1), (0.78, 0.1), (0.42, 0.9)]],
        [[(0.22, 0.16), (0.24, 0.1), (0.78, 0.1), (0.5, 0.5), (0.44, 0.9)], [(0.38, 0.5), (0.7, 0.5)]]],
    8: [[_arc(0.5, 0.3, 0.19, 0.19, 270, 630, 13), _arc(0.5, 0.69, 0.23, 0.2, 90, 450, 15)],
        [_arc(0.5, 0.29, 0.2, 0.18, -90, 270, 13), _arc(0.49, 0.68, 0.22, 0.21, 90, 450, 15)]],
    9: [[_arc(0.48, 0.32, 0.22, 0.2, 0, 360, 15), [(0.7, 0.32), (0.66, 0.9)]],
        [_arc(0.47, 0.31, 0.21, 0.2, 10, 370, 15), _arc(0.2, 0.3, 0.5, 0.6, 0, -80)]],
}


def _compile(style):
    """(points (K, 2) centred on the box, stroke id per point, segment index pairs (S, 2))."""
    points: list[Any] = []
    stroke_id: list[int] = []
    segments: list[tuple[int, int]] = []
    for s, stroke in enumerate(style):
        start = len(points)
        points += [tuple(p) for p in stroke]
        stroke_id += [s] * len(stroke)
        segments += [(i, i + 1) for i in range(start, len(points) - 1)]
    return np.array(points, np.float32) - 0.5, np.array(stroke_id), np.array(segments)


_COMPILED = {d: [_compile(s) for s in styles] for d, styles in GLYPHS.items()}
_ys, _xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) + 0.5
_GX, _GY = _xs.reshape(-1), _ys.reshape(-1)


def _place(points, stroke_id, rng, m):
    """Random per-image geometry: ``(m, K, 2)`` pixel coordinates of the glyph's points."""
    k = len(points)
    x, y = points[:, 0], points[:, 1]
    # A smooth quadratic warp (same for the whole glyph) bends strokes the way handwriting does.
    c = rng.normal(0.0, 0.12, size=(m, 4)).astype(np.float32)
    p = np.empty((m, k, 2), np.float32)
    p[:, :, 0] = x + c[:, :1] * (x * y) + c[:, 1:2] * (y * y)
    p[:, :, 1] = y + c[:, 2:3] * (x * x) + c[:, 3:4] * (x * y)
    # Strokes drift a little against each other, so joins are not always exact.
    offsets = rng.normal(0.0, 0.02, size=(m, stroke_id.max() + 1, 2)).astype(np.float32)
    p += offsets[:, stroke_id]
    scale = rng.uniform(18.0, 25.0, size=m)
    aspect = np.exp(rng.normal(0.0, 0.12, size=m))
    slant = rng.uniform(-0.2, 0.35, size=m)  # x' = x - slant * y: positive leans the top to the right
    angle = np.radians(rng.uniform(-12.0, 12.0, size=m))
    cos, sin = np.cos(angle), np.sin(angle)
    sx, sy = scale * aspect, scale / aspect
    # A = R(angle) @ Shear(slant) @ diag(sx, sy), applied as p @ A.T
    a = np.empty((m, 2, 2), np.float32)
    a[:, 0, 0] = cos * sx
    a[:, 0, 1] = (-cos * slant - sin) * sy
    a[:, 1, 0] = sin * sx
    a[:, 1, 1] = (-sin * slant + cos) * sy
    centre = SIZE / 2 + rng.uniform(-2.5, 2.5, size=(m, 1, 2))
    return np.einsum("mkj,mij->mki", p, a) + centre.astype(np.float32)


def _distance(pts, segments):
    """Distance ``(m, H*W)`` from every pixel centre to the nearest segment of each image's polyline."""
    m = pts.shape[0]
    best = np.full((m, SIZE * SIZE), np.inf, np.float32)
    for i0, i1 in segments:
        ax, ay = pts[:, i0, 0:1], pts[:, i0, 1:2]
        dx, dy = pts[:, i1, 0:1] - ax, pts[:, i1, 1:2] - ay
        inv = 1.0 / np.maximum(dx * dx + dy * dy, 1e-6)
        px, py = _GX - ax, _GY - ay
        t = np.clip((px * dx + py * dy) * inv, 0.0, 1.0)
        px -= t * dx
        py -= t * dy
        np.minimum(best, px * px + py * py, out=best)
    return np.sqrt(best, out=best)


def render_digits(labels, rng, chunk=1024):
    """Draw one image per label: uint8 ``(n, 28, 28)``, ink white on black like MNIST.

    Args:
        labels: int array ``(n,)`` of digits 0-9.
        rng: a numpy ``Generator``; the images are a function of its state and ``labels``.
        chunk: images rasterised together (bounds memory, keeps the arrays cache-sized).
    """
    labels = np.asarray(labels)
    n = len(labels)
    out = np.empty((n, SIZE * SIZE), np.uint8)
    styles = np.empty(n, np.int64)
    for d, compiled in _COMPILED.items():
        where = labels == d
        styles[where] = rng.integers(0, len(compiled), size=int(where.sum()))
    for d, compiled in _COMPILED.items():
        for s, (points, stroke_id, segments) in enumerate(compiled):
            idx = np.flatnonzero((labels == d) & (styles == s))
            for start in range(0, len(idx), chunk):
                part = idx[start:start + chunk]
                m = len(part)
                dist = _distance(_place(points, stroke_id, rng, m), segments)
                half_width = rng.uniform(0.8, 1.9, size=(m, 1)).astype(np.float32)
                softness = rng.uniform(0.7, 1.4, size=(m, 1)).astype(np.float32)
                ink = rng.uniform(0.7, 1.0, size=(m, 1)).astype(np.float32)
                img = ink * np.clip((half_width - dist) / softness + 0.5, 0.0, 1.0)
                noise = rng.uniform(0.0, 0.08, size=(m, 1)).astype(np.float32)
                img += noise * rng.standard_normal(img.shape, dtype=np.float32)
                out[part] = np.rint(np.clip(img, 0.0, 1.0) * 255.0).astype(np.uint8)
    return out.reshape(n, SIZE, SIZE)
