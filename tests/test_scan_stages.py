"""The three stages of a scan (plan, decode and infer, commit) and their seams: another executor or decoder
plugs into the middle stage and the scan stores the same scores. A tiny random-weight network keeps these
fast; what the shipped one scores is tested in test_scoring.py."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Mapping

import numpy as np
import pytest
import torch
from torch import nn

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.models.base import AestheticNet
from aesthetic_curator.models.weights import WeightsSpec
from aesthetic_curator.scoring import (
    Decoded,
    InlineExecutor,
    Scorer,
    WorkItem,
    commit,
    decode_and_infer,
    decode_photo,
    plan_scan,
    score_album,
)

SPEC = WeightsSpec(name="tiny", filename="tiny.pt", sha256="0" * 64)


class TinyNet(AestheticNet):
    """One strided convolution, pooled, then a linear head: an aesthetic network's shape in microseconds."""

    num_features = 8

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 8, stride=8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, 10)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(torch.relu(self.conv(x))).flatten(1)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        return self.head(features)

    def look_layer(self) -> nn.Module:
        return self.conv


@pytest.fixture
def tiny() -> Scorer:
    torch.manual_seed(0)
    return Scorer(TinyNet(), SPEC, device="cpu", batch_size=3)


@pytest.fixture
def album(tmp_path, kodak_paths):
    root = tmp_path / "album"
    root.mkdir()
    for p in kodak_paths[:5]:
        shutil.copy(p, root / p.name)
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return root


class CountingDecoder:
    """The real decoder, counting the files it is given and the threads it runs on."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.threads: set[int] = set()

    def __call__(self, item: WorkItem, spec: WeightsSpec, known: Mapping[str, int]) -> Decoded:
        self.paths.append(item.path)
        self.threads.add(threading.get_ident())
        return decode_photo(item, spec, known)


def test_the_plan_reads_the_catalog_only_and_says_what_to_decode(album, tiny, tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as cat:
        score_album(album, cat, scorer=tiny)
        shutil.copy(album / "kodim01.png", album / "copy of kodim01.png")
        (album / "kodim02.png").touch()  # same content, new mtime: read and hashed again, not scored again
        plan = plan_scan([album], cat, SPEC.model_id)
        ids = cat.photo_ids(s.content_hash for s in plan.cached)
    assert plan.total == 7
    assert sorted(s.path.name for s in plan.cached) == ["kodim01.png", "kodim03.png", "kodim04.png", "kodim05.png"]
    assert all(s.cached and s.photo_id == ids[s.content_hash] for s in plan.cached)
    assert [s.path.name for s in plan.skipped] == ["broken.jpg"]  # remembered as bad: not read again
    assert [item.path.rsplit("/", 1)[1] for item in plan.todo] == ["copy of kodim01.png", "kodim02.png"]
    assert len(plan.known) == 5  # the content already scored, for linking copies without decoding


def test_decode_and_infer_runs_on_any_executor_and_commit_gives_photo_ids(album, tiny, tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as cat:
        plan = plan_scan([album], cat, SPEC.model_id)
        decoder = CountingDecoder()
        steps = list(decode_and_infer(plan.todo, SPEC, tiny, executor=InlineExecutor(), known=plan.known,
                                      decoder=decoder))
        assert cat.photo_count() == 0  # the middle stage never writes: a cluster could run it
        assert decoder.threads == {threading.get_ident()}
        assert sorted(decoder.paths) == sorted(item.path for item in plan.todo)
        assert [len(s.scores) for s in steps] == [3, 2]  # batches of the scorer's size, in plan order
        assert [f.path.name for s in steps for f in s.skipped] == ["broken.jpg"]
        assert [s.path.name for s in steps[0].skipped] == ["broken.jpg"] and not any(s.cancelled for s in steps)
        committed = [score for s in steps for score in commit(cat, SPEC.model_id, s)]
        ids = cat.photo_ids(s.content_hash for s in committed)
        assert cat.score_count(SPEC.model_id) == 5
    assert [s.photo_id for s in committed] == [ids[s.content_hash] for s in committed]
    assert all(not s.cached and 1 <= s.mean <= 10 and s.look.shape == (16,) for s in committed)


def test_a_scan_with_another_executor_and_decoder_stores_what_the_default_does(album, tiny, tmp_path):
    with Catalog(tmp_path / "threads.sqlite3") as cat:
        default = {s.path: s.mean for s in score_album(album, cat, scorer=tiny).scores}
    decoder = CountingDecoder()
    with Catalog(tmp_path / "inline.sqlite3") as cat:
        report = score_album(album, cat, scorer=tiny, decoder=decoder, executor=InlineExecutor())
        assert len(decoder.paths) == 6 and decoder.threads == {threading.get_ident()}
        shutil.copy(album / "kodim03.png", album / "moved.png")
        again = score_album(album, cat, scorer=tiny, decoder=decoder, executor=InlineExecutor())
    assert {s.path: s.mean for s in report.scores} == pytest.approx(default)
    assert report.inferred == 5 and [s.path.name for s in report.skipped] == ["broken.jpg"]
    # The second scan decoded only the new file, and linked it to the photo it copies.
    assert decoder.paths[6:] == [str(album / "moved.png")] and again.inferred == 0
    by_name = {s.path.name: s for s in again.scores}
    assert by_name["moved.png"].photo_id == by_name["kodim03.png"].photo_id is not None


def test_every_score_of_a_scan_carries_its_catalog_photo_id(album, tiny, tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as cat:
        first = score_album(album, cat, scorer=tiny)
        shutil.copy(album / "kodim01.png", album / "again.png")
        second = score_album(album, cat, scorer=tiny)
        ids = cat.photo_ids(s.content_hash for s in second.scores)
    assert first.photo_ids() == [ids[s.content_hash] for s in first.scores]
    assert second.photo_ids() == [ids[s.content_hash] for s in second.scores]
    assert {s.cached for s in second.scores} == {True}


def test_a_cancel_during_the_last_batch_is_reported(album, tiny, tmp_path):
    """The last batch is cut mid-pass: nothing of it is stored, and the report says the scan was cancelled."""
    cancel = threading.Event()
    cancel_next = False
    # The user clicks as the first layer computes; the pass stops at the next one.
    click = tiny.model.conv.register_forward_hook(lambda *_: cancel.set() if cancel_next else None)

    def progress(p) -> None:
        nonlocal cancel_next
        cancel_next = p.scored >= 3  # the first batch is through: cut the second (and last) one

    try:
        with Catalog(tmp_path / "c.sqlite3") as cat:
            report = score_album(album, cat, scorer=tiny, cancel=cancel, progress=progress,
                                 executor=InlineExecutor())
            assert cat.score_count(SPEC.model_id) == report.inferred == 3
    finally:
        click.remove()
    assert report.cancelled


def test_a_scorer_of_another_model_is_refused(album, tiny, tmp_path):
    other = WeightsSpec(name="other", filename="o.pt", sha256="1" * 64)
    with Catalog(tmp_path / "c.sqlite3") as cat, pytest.raises(ValueError, match="not the expected"):
        score_album(album, cat, scorer=lambda: tiny, spec=other)


def test_the_inline_executor_delivers_errors_through_the_future():
    future = InlineExecutor().submit(np.stack, [])
    assert isinstance(future.exception(), ValueError)
