"""Checks the Python rasterizer against pixels drawn by packages/scenes (fixtures/render-check.json).

    python3 training/test_shapes_data.py     (numpy only; also collected by pytest)
"""
import base64
import json
import os

import numpy as np

from shapes_data import Ops, render_batch

HERE = os.path.dirname(os.path.abspath(__file__))


def test_render_matches_typescript():
    fx = json.load(open(os.path.join(HERE, "fixtures", "render-check.json")))
    header = fx["header"]
    for check in fx["checks"]:
        bg, objs = check["row"]
        size = check["size"]
        want = np.frombuffer(base64.b64decode(check["rgb"]), dtype=np.uint8).reshape(size, size, 3).astype(np.int64)
        got = render_batch(header, [bg], [objs], size, Ops("numpy"))[0].transpose(1, 2, 0).astype(np.int64)
        diff = np.abs(got - want)
        # float64 both sides: identical except a rare .5 rounding tie
        assert diff.max() <= 1 and (diff > 0).mean() < 1e-3, f"max diff {diff.max()}, {(diff > 0).sum()} pixels differ"


if __name__ == "__main__":
    test_render_matches_typescript()
    print("1 passed, 0 failed")
