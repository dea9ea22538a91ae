"""A scan on a Ray cluster (issue 15): planned and committed on the driver, decoded and scored by Ray actors.

One local Ray (2 CPUs) serves the whole module, started and stopped here; its tests skip only where ``ray``
cannot be imported (it is in the test extra). The album is 12 Kodak photos at 128 px, scored by the shipped
network, so the whole module takes seconds beyond Ray's own start.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.cli import main
from aesthetic_curator.cli.cluster import cluster_address
from aesthetic_curator.cluster import INSTALL_HINT, RayInference, generic_factory, require_ray
from aesthetic_curator.errors import UserError
from aesthetic_curator.models import DEFAULT_MODEL, DEFAULT_WEIGHTS
from aesthetic_curator.scoring import Scorer, score_album

PHOTOS = 12
BATCH = 2


@pytest.fixture(scope="module")
def cluster():
    """A local Ray for this module; its address, for a second driver."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=128 * 1024**2)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def album(tmp_path_factory, kodak_paths) -> Path:
    root = tmp_path_factory.mktemp("cluster") / "album"
    root.mkdir()
    for p in kodak_paths[:PHOTOS]:
        with Image.open(p) as im:
            im.convert("RGB").resize((128, 85)).save(root / f"{p.stem}.jpg", quality=90)
    return root


@pytest.fixture(scope="module")
def events() -> list[str]:
    """What the workers below told the driver (ready, restarted), in order."""
    return []


@pytest.fixture(scope="module")
def workers(cluster, events):
    """Two actors of half a CPU each (half the cluster: a second driver's worker fits beside them), kept for
    the module: each process loads the network once."""
    with RayInference(generic_factory(DEFAULT_MODEL, None, BATCH), workers=2, cpus_per_worker=0.5,
                      batch_size=BATCH, batches_per_task=1, on_event=events.append) as stage:
        yield stage


@pytest.fixture(scope="module")
def local(album, scorer, tmp_path_factory) -> dict[Path, object]:
    """The same album scored locally, as the workers score it: same batch size, one torch thread (a sum taken
    in another order differs in float32's last bits; here the two computations are the same)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with Catalog(tmp_path_factory.mktemp("local") / "c.sqlite3") as cat:
            report = score_album(album, cat, scorer=Scorer(scorer.model, scorer.spec, device="cpu", batch_size=BATCH))
    finally:
        torch.set_num_threads(threads)
    return {s.path: s for s in report.scores}


def _once_each(catalog: Path, album: Path) -> None:
    """Every photo of the album in the catalog exactly once: one photo, one file row, one score each."""
    with Catalog(catalog) as cat:
        assert cat.integrity_ok()
        assert cat.photo_count() == PHOTOS and cat.score_count(DEFAULT_WEIGHTS.model_id) == PHOTOS
        paths = cat.known_files(str(p) for p in album.iterdir())
    assert len(paths) == PHOTOS and len({f.photo_id for f in paths.values()}) == PHOTOS


def test_a_cluster_scan_equals_a_local_one_and_a_rerun_scores_nothing(album, workers, events, local, tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as cat:
        report = score_album(album, cat, spec=DEFAULT_WEIGHTS, infer=workers)
        again = score_album(album, cat, spec=DEFAULT_WEIGHTS, infer=workers)
    assert report.inferred == PHOTOS and not report.skipped and not report.cancelled
    assert {s.path for s in report.scores} == set(local)
    for s in report.scores:
        ref = local[s.path]
        assert s.content_hash == ref.content_hash and s.photo_id is not None
        assert abs(s.mean - ref.mean) <= 1e-5 and abs(s.std - ref.std) <= 1e-5
        np.testing.assert_allclose(s.distribution, ref.distribution, rtol=0, atol=1e-5)
        np.testing.assert_allclose(s.features, ref.features, rtol=0, atol=1e-5)
        np.testing.assert_allclose(s.look, ref.look, rtol=0, atol=1e-5)
    assert again.inferred == 0 and len(again.scores) == PHOTOS and all(s.cached for s in again.scores)
    assert len({w.pid for w in workers.workers}) == 2 and "2 worker(s) ready" in events[0]
    _once_each(tmp_path / "c.sqlite3", album)


def test_a_worker_killed_mid_run_has_its_tasks_retried_and_every_photo_lands_once(album, workers, events, local,
                                                                                  tmp_path):
    # Six tasks, two out per worker: when the first result is in, worker 1 still holds one, so it dies with work.
    victim = workers.pids[0]
    killed: list[int] = []

    def progress(p) -> None:
        if p.scored and not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    with Catalog(tmp_path / "c.sqlite3") as cat:
        report = score_album(album, cat, spec=DEFAULT_WEIGHTS, infer=workers, progress=progress)
    assert killed and workers.restarts >= 1 and workers.pids[0] != victim
    assert any("restarted" in line for line in events)
    assert report.inferred == PHOTOS and not report.skipped
    assert {s.path: round(s.mean, 4) for s in report.scores} == {p: round(s.mean, 4) for p, s in local.items()}
    _once_each(tmp_path / "c.sqlite3", album)


@pytest.mark.parametrize("how", ["ctrl-c", "cancel"])
def test_a_scan_stopped_mid_run_keeps_a_consistent_catalog_and_a_rerun_does_the_rest(album, workers, tmp_path, how):
    """Ctrl+C reaches the driver as a KeyboardInterrupt wherever its thread is: here as the first batch is
    committed, with tasks still out on the workers. The app's Cancel is the event."""
    cancel = threading.Event()

    def progress(p) -> None:
        if p.scored:
            if how == "ctrl-c":
                raise KeyboardInterrupt
            cancel.set()

    with Catalog(tmp_path / "c.sqlite3") as cat:
        if how == "ctrl-c":
            with pytest.raises(KeyboardInterrupt):
                score_album(album, cat, spec=DEFAULT_WEIGHTS, infer=workers, progress=progress)
        else:
            assert score_album(album, cat, spec=DEFAULT_WEIGHTS, infer=workers, progress=progress,
                               cancel=cancel).cancelled
        assert cat.integrity_ok()
        kept = cat.score_count(DEFAULT_WEIGHTS.model_id)
        assert kept == BATCH  # the one batch committed when the scan stopped; nothing after it
        rest = score_album(album, cat, spec=DEFAULT_WEIGHTS, infer=workers)
    assert rest.inferred == PHOTOS - kept and not rest.cancelled
    _once_each(tmp_path / "c.sqlite3", album)


def test_score_cluster_on_the_command_line_joins_the_cluster_and_a_rerun_starts_no_worker(
        album, cluster, local, tmp_path, capsys):
    args = ["--catalog", str(tmp_path / "c.sqlite3"), "score", str(album), "--cluster", "auto",
            "--cluster-workers", "1", "--batch-size", str(BATCH), "--json"]
    assert main(args) == 0
    first = capsys.readouterr()
    assert main(args) == 0
    second = capsys.readouterr()
    results = json.loads(first.out)["results"]
    assert {Path(r["path"]): r["mean"] for r in results} == pytest.approx(
        {p: s.mean for p, s in local.items()}, abs=1e-4)
    assert "ray: 1 worker(s) ready" in first.err and f"ray: {PHOTOS} photo(s) scored" in first.err
    assert "ray:" not in second.err and all(r["cached"] for r in json.loads(second.out)["results"])
    # Two users' personal scores from that one pass (their tastes from its stored features): a column each.
    with Catalog(tmp_path / "c.sqlite3") as cat:
        ids = [r.photo_id for r in cat.known_files(str(r["path"]) for r in results).values()]
        cat.set_marks("ana", ratings=[(pid, float(1 + i % 5)) for i, pid in enumerate(ids)])
        cat.set_marks("ben", ratings=[(pid, float(5 - i % 5)) for i, pid in enumerate(ids)])
    assert main([*args, "--users", "all"]) == 0
    third = capsys.readouterr()
    assert all(set(r["personal"]) == {"ana", "ben"} for r in json.loads(third.out)["results"])
    assert "personal scores of ana" in third.err and "personal scores of ben" in third.err


def test_a_driver_killed_mid_run_leaves_a_catalog_that_opens_and_a_rerun_does_only_the_rest(
        album, cluster, workers, tmp_path):
    catalog = tmp_path / "c.sqlite3"
    # Another driver on the same cluster, killed (SIGKILL) right after its first batch is committed, with
    # its next tasks still out on its worker.
    code = textwrap.dedent(f"""
        import os, signal, ray
        from aesthetic_curator.catalog import Catalog
        from aesthetic_curator.cluster import RayInference, generic_factory
        from aesthetic_curator.models import DEFAULT_MODEL, DEFAULT_WEIGHTS
        from aesthetic_curator.scoring import score_album

        ray.init(address={cluster!r}, log_to_driver=False)

        def progress(p):
            if p.scored:
                os.kill(os.getpid(), signal.SIGKILL)

        with Catalog({str(catalog)!r}) as cat, RayInference(
                generic_factory(DEFAULT_MODEL, None, {BATCH}), workers=1, cpus_per_worker=0.5,
                batch_size={BATCH}, batches_per_task=1) as stage:
            score_album({str(album)!r}, cat, spec=DEFAULT_WEIGHTS, progress=progress, infer=stage)
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
    with Catalog(catalog) as cat:
        assert cat.integrity_ok()
        kept = cat.score_count(DEFAULT_WEIGHTS.model_id)
        assert 0 < kept < PHOTOS
        report = score_album(album, cat, spec=DEFAULT_WEIGHTS, infer=workers)
    assert report.inferred == PHOTOS - kept and len(report.scores) == PHOTOS
    _once_each(catalog, album)


def test_without_ray_a_cluster_scan_says_how_to_install_it(album, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # as on a machine without the extra: import ray fails
    with pytest.raises(UserError, match="pip install"):
        require_ray()
    assert main(["--catalog", str(tmp_path / "c.sqlite3"), "score", str(album), "--cluster", "ray", "-q"]) == 2
    assert INSTALL_HINT in capsys.readouterr().err


def test_cluster_addresses_are_checked_when_parsed():
    assert cluster_address("ray") == "local" and cluster_address("auto") == "auto"
    assert cluster_address("ray://head.example:10001") == "ray://head.example:10001"
    assert cluster_address("10.0.0.5:6379") == "10.0.0.5:6379"
    for bad in ("", "ray://", "http://head:80", "head"):
        with pytest.raises(argparse.ArgumentTypeError):
            cluster_address(bad)


def test_a_users_personal_network_scores_on_the_workers_as_it_does_here(album, cluster, local, tmp_path):
    """Point 2: a user's adapters pass on the cluster: each worker builds the personal network from the profile
    file (a shared disk) and scores as the driver would; a profile changed since the scan began is refused."""
    import torch

    from aesthetic_curator.cluster import personal_factory
    from aesthetic_curator.personal import service
    from aesthetic_curator.personal.profile import ProfileError, profile_path
    from aesthetic_curator.personal.scores import adapted_scorer, personal_spec
    from aesthetic_curator.personal.training import TrainConfig

    with Catalog(tmp_path / "c.sqlite3") as cat:
        report = score_album(album, cat, spec=DEFAULT_WEIGHTS, scorer=Scorer.generic(device="cpu", batch_size=BATCH))
        cat.set_marks("ana", ratings=[(s.photo_id, float(1 + i % 5)) for i, s in enumerate(report.scores)])
        service.train_user(cat, "ana", config=TrainConfig(epochs=1, batch_size=4), folder=tmp_path)
    profile = profile_path("ana", tmp_path)
    spec = personal_spec(profile, DEFAULT_WEIGHTS)
    files = sorted(album.iterdir())
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in a worker: the same sums in the same order
    try:
        with Catalog(tmp_path / "here.sqlite3") as cat:
            here = score_album(files, cat, spec=spec, require_look=False,
                               scorer=lambda: adapted_scorer(profile, spec, device="cpu", batch_size=BATCH))
    finally:
        torch.set_num_threads(threads)
    with RayInference(personal_factory(str(profile), spec, BATCH), workers=1, cpus_per_worker=0.5,
                      batch_size=BATCH) as stage, Catalog(tmp_path / "there.sqlite3") as cat:
        there = score_album(files, cat, spec=spec, require_look=False, infer=stage)
    assert there.inferred == PHOTOS and not there.skipped
    by_path = {s.path: s.mean for s in here.scores}
    assert all(abs(s.mean - by_path[s.path]) <= 1e-5 for s in there.scores)
    assert any(abs(s.mean - local[s.path].mean) > 1e-4 for s in there.scores)  # the adapters, not the generic
    # A profile changed after the scan took its identity: what a worker builds from the file refuses it (its
    # scores would be stored under the old profile's name).
    profile.write_bytes(profile.read_bytes() + b"\0")
    with pytest.raises(ProfileError, match="changed since this scan began"):
        adapted_scorer(profile, spec, device="cpu")
