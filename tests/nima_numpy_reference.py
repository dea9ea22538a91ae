"""An independent NumPy forward pass of idealo's Keras NIMA MobileNet, straight from the hdf5.

Written from the Keras layer definitions, not from our PyTorch module: NHWC activations, kernels
in the file's own layouts (HWIO, depthwise HWC1), explicit zero padding, float64 throughout. It
exists only to check the converter and the module against the original weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

STRIDES = (1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1)  # depthwise strides of blocks 1..13
BN_EPS = 1e-3


def load(path: Path) -> dict[str, np.ndarray]:
    import h5py

    weights: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as f:
        def visit(name: str, obj) -> None:
            if isinstance(obj, h5py.Dataset):
                # "conv1/conv1/kernel:0" -> "conv1/kernel"
                weights["/".join(name.split("/")[1:]).split(":")[0]] = np.asarray(obj, dtype=np.float64)
        f.visititems(visit)
    return weights


def _pad(x: np.ndarray) -> np.ndarray:
    return np.pad(x, ((1, 1), (1, 1), (0, 0)))  # Keras 2.1 ZeroPadding2D((1, 1))


def _conv3x3(x: np.ndarray, k: np.ndarray, stride: int) -> np.ndarray:
    xp = _pad(x)
    h = (xp.shape[0] - 3) // stride + 1
    w = (xp.shape[1] - 3) // stride + 1
    out = np.zeros((h, w, k.shape[3]))
    for i in range(3):
        for j in range(3):
            patch = xp[i : i + stride * (h - 1) + 1 : stride, j : j + stride * (w - 1) + 1 : stride, :]
            out += patch @ k[i, j]
    return out


def _depthwise3x3(x: np.ndarray, k: np.ndarray, stride: int) -> np.ndarray:
    xp = _pad(x)
    h = (xp.shape[0] - 3) // stride + 1
    w = (xp.shape[1] - 3) // stride + 1
    out = np.zeros((h, w, x.shape[2]))
    for i in range(3):
        for j in range(3):
            patch = xp[i : i + stride * (h - 1) + 1 : stride, j : j + stride * (w - 1) + 1 : stride, :]
            out += patch * k[i, j, :, 0]
    return out


def _bn_relu6(x: np.ndarray, wts: dict[str, np.ndarray], name: str) -> np.ndarray:
    y = (x - wts[f"{name}/moving_mean"]) / np.sqrt(wts[f"{name}/moving_variance"] + BN_EPS)
    y = y * wts[f"{name}/gamma"] + wts[f"{name}/beta"]
    return np.clip(y, 0.0, 6.0)


def forward(wts: dict[str, np.ndarray], image: np.ndarray) -> np.ndarray:
    """224x224x3 uint8 RGB -> 10 softmax probabilities, as Keras would compute them."""
    x = image.astype(np.float64) / 127.5 - 1.0  # keras mobilenet.preprocess_input
    x = _bn_relu6(_conv3x3(x, wts["conv1/kernel"], 2), wts, "conv1_bn")
    for b, stride in enumerate(STRIDES, 1):
        x = _bn_relu6(_depthwise3x3(x, wts[f"conv_dw_{b}/depthwise_kernel"], stride), wts, f"conv_dw_{b}_bn")
        x = _bn_relu6(x @ wts[f"conv_pw_{b}/kernel"][0, 0], wts, f"conv_pw_{b}_bn")
    pooled = x.mean(axis=(0, 1))
    logits = pooled @ wts["dense_1/kernel"] + wts["dense_1/bias"]
    e = np.exp(logits - logits.max())
    return e / e.sum()
