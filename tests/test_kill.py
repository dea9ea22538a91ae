"""A scan killed mid-way (SIGKILL: power cut, OOM killer) leaves a usable catalog and resumes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from PIL import Image

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.scoring import Scorer, score_album


@pytest.mark.slow
def test_sigkill_mid_scan_leaves_a_catalog_that_opens_and_resumes(tmp_path, kodak_paths):
    album = tmp_path / "album"
    album.mkdir()
    # 120 distinct photos: crops of Kodak24, so a scan takes a few seconds.
    for i in range(120):
        src = Image.open(kodak_paths[i % 24])
        dx, dy = (i // 24) * 7, (i // 24) * 5
        src.crop((dx, dy, dx + 400, dy + 400)).save(album / f"photo_{i:03d}.jpg", quality=90)
    catalog = tmp_path / "cat.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "aesthetic_curator", "--catalog", str(catalog), "score", str(album),
         "-q", "--batch-size", "8", "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if catalog.exists():
                try:
                    with sqlite3.connect(catalog, timeout=1) as db:
                        stored = db.execute("SELECT count(*) FROM scores").fetchone()[0]
                except sqlite3.OperationalError:
                    stored = 0  # schema not created yet
            if stored >= 16:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the scan finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    with Catalog(catalog) as cat:
        assert cat.integrity_ok()
        kept = cat.score_count()
        assert 16 <= kept < 120
        report = score_album(album, cat, scorer=Scorer.generic(device="cpu"))
        assert report.inferred == 120 - kept  # nothing stored before the kill is redone
        assert len(report.scores) == 120 and cat.score_count() == 120
