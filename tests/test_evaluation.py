"""The evaluation harness: the FLICKR-AES protocol on a tiny copy, and the simulated raters."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from flickr_fixture import write_tiny_flickr_aes
from PIL import Image, ImageEnhance, ImageFilter

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.cli import main
from aesthetic_curator.evaluation.flickr_aes import load_flickr_aes, split
from aesthetic_curator.evaluation.methods import Pool, predict, select
from aesthetic_curator.evaluation.protocol import run_flickr_aes
from aesthetic_curator.evaluation.simulated import build_album, make_variants, measure, simulated_ratings
from aesthetic_curator.evaluation.stats import spearman


@pytest.fixture(scope="module")
def tiny_flickr(tmp_path_factory: pytest.TempPathFactory):
    return write_tiny_flickr_aes(tmp_path_factory.mktemp("flickr"), n_workers=8, n_images=60,
                                 ratings_per_image=3, n_test_workers=2)


def test_flickr_protocol_per_worker_table(tiny_flickr, nima, tmp_path: Path) -> None:
    dataset = load_flickr_aes(tiny_flickr.root)
    the_split = split(dataset, tiny_flickr.test_workers)
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        report = run_flickr_aes(dataset, the_split, catalog, nima, ks=(10,), methods=("generic", "pam", "last-layers"),
                                trials={10: 2})
        # the generic scores came from (and are now cached in) the catalog
        assert catalog.photo_count() >= len(dataset.rated_images(tiny_flickr.test_workers))
    eligible = [w for w in tiny_flickr.test_workers if len(tiny_flickr.ratings[w]) >= 15]
    assert report.users == eligible
    table = report.table()
    for selection in ("random", "active-pam"):
        for method in ("generic", "pam", "last-layers"):
            row = table[f"k=10  {selection:<10} {method}"]
            assert row["n"] == len(eligible)
            assert -1.0 <= row["min"] <= row["mean"] <= row["max"] <= 1.0
    # random images with random ratings: the generic model cannot predict them, and the
    # table's generic row is exactly the mean of per-worker rho computed independently
    assert abs(table["k=10  random     generic"]["mean"]) < 0.6


def test_trials_never_train_on_evaluated_photos(nima) -> None:
    rng = np.random.default_rng(0)
    features = rng.standard_normal((40, 8)).astype(np.float32)
    generic = rng.uniform(4, 6, 40)
    stars = rng.integers(1, 6, 40).astype(float)
    asked: list[int] = []

    def oracle(i: int) -> float:
        asked.append(i)
        return float(stars[i])

    pool = Pool(generic, features, lambda i: np.zeros((8, 8, 3), np.uint8))
    candidates = np.arange(0, 30)
    train = select(pool, candidates, oracle, 12, "active-pam", np.random.default_rng(1))
    assert len(set(train)) == 12 and set(train) <= set(candidates.tolist())
    assert sorted(asked) == sorted(train)  # Active-PAM asks only for photos it chose
    pred = predict("pam", pool, train, stars[train], list(range(30, 40)))
    assert pred.shape == (10,) and np.isfinite(pred).all()


def test_measured_attributes_follow_the_edits(kodak_paths) -> None:
    im = Image.open(kodak_paths[0]).convert("RGB")
    base = measure(np.asarray(im))
    brighter = measure(np.asarray(ImageEnhance.Brightness(im).enhance(1.3)))
    flatter = measure(np.asarray(ImageEnhance.Contrast(im).enhance(0.6)))
    greyer = measure(np.asarray(ImageEnhance.Color(im).enhance(0.4)))
    softer = measure(np.asarray(im.filter(ImageFilter.GaussianBlur(2))))
    a = np.asarray(im, np.float32) * np.array([1.1, 1.0, 0.9], np.float32)
    warmer = measure(np.clip(a, 0, 255).astype(np.uint8))
    assert brighter["brightness"] > base["brightness"]
    assert flatter["contrast"] < base["contrast"]
    assert greyer["saturation"] < base["saturation"]
    assert softer["sharpness"] < base["sharpness"]
    assert warmer["warmth"] > base["warmth"]


def test_variants_and_simulated_ratings(kodak_dir: Path, nima, tmp_path: Path) -> None:
    variants = make_variants(Image.open(sorted(kodak_dir.glob("*.png"))[0]).convert("RGB"), 5,
                             np.random.default_rng(0))
    assert len(variants) == 5 and all(v.mode == "RGB" for v in variants)
    small = tmp_path / "album"
    small.mkdir()
    for p in sorted(kodak_dir.glob("*.png"))[:3]:
        Image.open(p).convert("RGB").resize((192, 128)).save(small / p.name)
    album = build_album(small, nima, n_variants=6, seed=0)
    assert len(album.images) == 18 and sorted(set(album.scene.tolist())) == [0, 1, 2]
    assert album.features.shape == (18, 1024) and np.isfinite(album.generic).all()
    strong = simulated_ratings(album, "saturation", +1, 5.0, 0.1, np.random.default_rng(0))
    assert set(np.unique(strong)) <= {1, 2, 3, 4, 5}
    # a user who cares a lot about colour rates by colour
    assert spearman(strong, album.attributes["saturation"]) > 0.7
    none = simulated_ratings(album, "saturation", +1, 0.0, 0.1, np.random.default_rng(0))
    assert spearman(none, album.generic) > 0.8


def test_eval_simulate_command(kodak_dir: Path, tmp_path: Path, capsys) -> None:
    small = tmp_path / "album"
    small.mkdir()
    for p in sorted(kodak_dir.glob("*.png"))[:6]:
        Image.open(p).convert("RGB").resize((160, 112)).save(small / p.name)
    out = tmp_path / "sim.json"
    code = main(["eval", "simulate", "--album", str(small), "--variants", "6", "--k", "10",
                 "--methods", "generic", "pam", "--curve-seeds", "1", "--out", str(out), "-q"])
    assert code == 0
    text = capsys.readouterr().out
    assert "k=10  random     pam" in text and "ratings" in text
    doc = json.loads(out.read_text())
    assert {row["method"] for row in doc["per_user"]} == {"generic", "pam"}
    assert len(doc["users"]) == 6 and doc["meta"]["strength"] == 1.0
