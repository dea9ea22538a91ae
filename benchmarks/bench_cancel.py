"""Benchmark of Cancel latency of "Learn my taste" with every core busy (issue 12, point 6).

What is timed: the seconds from Cancel to the cancellation being observed, in each phase of a training:

scoring   rated photos that no scan has scored yet get their generic scores (batches of 32 through the network)
reading   the rated photos are decoded for training
training  a cross-validation run: the epoch-0 predictions of its held-out fold, then epochs of training steps

and at two levels:

core      ``service.train_user`` on a worker thread; Cancel is ``cancel.set()`` from another thread; observed
          when ``TrainingCancelled`` reaches the worker
gui       the offscreen app (``MainWindow``, "Learn my taste"); Cancel is the dialog's Cancel button; observed
          when the dialog says "Cancelled" (the worker has stopped and the GUI thread has shown it)

Cancel is pressed at a random moment once the phase is reached (after the phase's first progress report, or
for "scoring" after the start), and the phase it actually landed in is the last progress seen before it (in the
app: what the dialog said; "starting" is before its first report, i.e. loading the network and scoring the
first batch).
Meanwhile one busy-loop process per core keeps the CPU loaded (``--no-load`` to compare). Photos: the real-
photo bed (/work/realbed) when present, else Kodak24, copied into a temporary folder; the catalog, profiles
and caches are private temporary ones (the user's are never touched). Prints medians and maxima per phase.
Target: under 2 s with the CPU busy.

Run from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_cancel.py            # about 3 minutes
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_cancel.py --repeats 1 --no-gui
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = (Path("/work/realbed"), REPO.parent / "shared" / "data" / "kodak24")
PHASES = ("scoring", "reading", "training")


def busy_loop() -> None:
    """One core's worth of load, until killed."""
    while True:
        pass


def photos(folder: Path, n: int) -> list[Path]:
    """``n`` real photos copied into ``folder`` (the sources are never opened for writing)."""
    for source in SOURCES:
        found = sorted(p for p in source.glob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        if len(found) >= n:
            folder.mkdir(parents=True)
            return [Path(shutil.copy(p, folder / p.name)) for p in found[:n]]
    raise SystemExit(f"need {n} photos in one of {', '.join(map(str, SOURCES))}")


def phase_of(last) -> str:
    """The phase a training is in, from its last progress report (None: none yet)."""
    if last is None:
        return "scoring"
    if hasattr(last, "epoch"):
        return "training"
    if last.scoring:
        return "scoring" if last.done < last.total else "reading"
    return "reading" if last.done < last.total else "training"


class Bed:
    """A private catalog per repeat: fresh (nothing scored: the scoring phase) or scored (the others)."""

    def __init__(self, root: Path, paths: list[Path], user: str):
        self.root, self.paths, self.user = root, paths, user
        self.count = 0

    def catalog(self, scored: bool) -> Path:
        from aesthetic_curator.catalog import Catalog
        from aesthetic_curator.personal.service import rate_files
        from aesthetic_curator.scoring import score_album

        self.count += 1
        path = self.root / f"catalog{self.count}.sqlite3"
        with Catalog(path) as cat:
            stars = [1 + (i * 7) % 5 for i in range(len(self.paths))]
            rate_files(cat, self.user, list(zip(self.paths, stars, strict=True)))
            if scored:
                score_album(self.paths, cat)
        return path


def delay_for(phase: str, rng: random.Random) -> float:
    """How long after the phase's start to press Cancel: somewhere inside it."""
    low, high = {"scoring": (0.5, 2.0), "reading": (0.0, 0.3), "training": (0.5, 4.0)}[phase]
    return rng.uniform(low, high)


def reached(phase: str, last) -> bool:
    return phase == "scoring" or phase_of(last) == phase


def core_once(bed: Bed, phase: str, rng: random.Random) -> tuple[str, float]:
    """train_user on a worker thread, cancelled from this one: (phase landed in, seconds to TrainingCancelled)."""
    from aesthetic_curator.catalog import Catalog
    from aesthetic_curator.personal.service import train_user
    from aesthetic_curator.personal.training import TrainingCancelled

    catalog = bed.catalog(scored=phase != "scoring")
    cancel = threading.Event()
    last: list = [None]
    seen = threading.Event()
    stopped: dict[str, object] = {}

    def progress(p) -> None:
        last[0] = p
        if reached(phase, p):
            seen.set()

    def work() -> None:
        try:
            with Catalog(catalog) as cat:
                train_user(cat, bed.user, progress=progress, cancel=cancel, folder=bed.root / "profiles")
            stopped["what"] = "finished"
        except TrainingCancelled:
            stopped["what"] = "cancelled"
        except BaseException as exc:  # reported, not hidden
            stopped["what"] = repr(exc)
        stopped["at"] = time.monotonic()

    thread = threading.Thread(target=work, name="train")
    thread.start()
    if phase != "scoring":
        seen.wait()
    time.sleep(delay_for(phase, rng))
    landed = phase_of(last[0])
    pressed = time.monotonic()
    cancel.set()
    thread.join()
    if stopped["what"] != "cancelled":
        raise SystemExit(f"core {phase}: training {stopped['what']} instead of cancelling")
    return landed, float(stopped["at"]) - pressed


def gui_once(app, bed: Bed, phase: str, rng: random.Random) -> tuple[str, float]:
    """The app's "Learn my taste", cancelled with the dialog's button: (phase landed in, seconds to 'Cancelled')."""
    from PySide6.QtCore import QSettings

    from aesthetic_curator.gui.main_window import MainWindow
    from aesthetic_curator.personal.profile import profile_path

    catalog = bed.catalog(scored=phase != "scoring")
    settings = QSettings(str(bed.root / f"settings{bed.count}.ini"), QSettings.Format.IniFormat)
    settings.setValue("user", bed.user)
    settings.setValue("auto_train", False)  # only the training this benchmark starts
    window = MainWindow(catalog, settings=settings, profiles_folder=bed.root / "profiles",
                        thumbnail_folder=bed.root / "thumbs")
    window.show()
    profile = profile_path(bed.user, window.profiles_folder)
    before = profile.read_bytes() if profile.exists() else None
    window.train()
    dialog = window.training_dialog

    def spin_until(done: Callable[[], bool]) -> None:
        while not done():
            app.processEvents()
            time.sleep(0.002)

    # The phase as the user sees it in the dialog.
    spin_until(lambda: phase == "scoring" or shown_phase(dialog.detail.text()) == phase)
    end = time.monotonic() + delay_for(phase, rng)
    spin_until(lambda: time.monotonic() >= end)
    landed = shown_phase(dialog.detail.text())
    pressed = time.monotonic()
    dialog.buttons.rejected.emit()  # the dialog's Cancel
    spin_until(lambda: "Cancelled" in dialog.detail.text() or "failed" in dialog.detail.text())
    seconds = time.monotonic() - pressed
    if "Cancelled" not in dialog.detail.text():
        raise SystemExit(f"gui {phase}: {dialog.detail.text()}")
    after = profile.read_bytes() if profile.exists() else None
    if after != before:
        raise SystemExit(f"gui {phase}: the profile changed")
    window.close()
    window.deleteLater()
    app.processEvents()
    return landed, seconds


def shown_phase(text: str) -> str:
    """The phase the dialog's words name ("starting": before the first report)."""
    if text.startswith("Scoring"):
        return "scoring"
    if text.startswith("Reading the rated photos:"):
        return "reading"
    if "did not see" in text or "Final" in text:
        return "training"
    return "starting"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="cancels per phase and level (default 3)")
    parser.add_argument("--photos", type=int, default=40, help="rated photos (default 40)")
    parser.add_argument("--no-load", action="store_true", help="leave the cores idle")
    parser.add_argument("--no-gui", action="store_true", help="the core only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--omp-wait", choices=("passive", "active"), default="passive",
                        help="OpenMP threads' wait policy (the package sets passive; active: torch's default, "
                             "to compare)")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="bench_cancel_"))
    for var, sub in (("AESTHETIC_CURATOR_CATALOG", "default.sqlite3"), ("AESTHETIC_CURATOR_PROFILES", "profiles"),
                     ("AESTHETIC_CURATOR_CACHE", "cache")):
        os.environ[var] = str(root / sub)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["OMP_WAIT_POLICY"] = args.omp_wait.upper()  # before torch is imported (below, lazily)
    rng = random.Random(args.seed)
    bed = Bed(root, photos(root / "album", args.photos), "bench")
    load = [] if args.no_load else [multiprocessing.Process(target=busy_loop, daemon=True)
                                    for _ in range(os.cpu_count() or 1)]
    results: dict[tuple[str, str], list[tuple[str, float]]] = {}
    try:
        from aesthetic_curator.models import load_generic

        load_generic()  # imports and the weights' first read out of the figures
        for p in load:
            p.start()
        levels = ["core"] if args.no_gui else ["core", "gui"]
        app = None
        if "gui" in levels:
            from PySide6.QtWidgets import QApplication

            app = QApplication.instance() or QApplication(sys.argv[:1])
        for level in levels:
            for phase in PHASES:
                for _ in range(args.repeats):
                    once = core_once(bed, phase, rng) if level == "core" else gui_once(app, bed, phase, rng)
                    results.setdefault((level, phase), []).append(once)
                    print(f"  {level:4} {phase:8} landed in {once[0]:8} {once[1]:6.3f} s", flush=True)
    finally:
        for p in load:
            p.kill()
            p.join()
        shutil.rmtree(root, ignore_errors=True)

    print(f"\nCancel latency, seconds ({args.repeats} per phase; {len(load)} busy-loop processes on "
          f"{os.cpu_count()} cores; {args.photos} rated photos; OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']})")
    print(f"{'level':6}{'phase':10}{'median':>8}{'max':>8}  landed in")
    for (level, phase), rows in results.items():
        secs = [s for _, s in rows]
        print(f"{level:6}{phase:10}{statistics.median(secs):8.3f}{max(secs):8.3f}  "
              f"{', '.join(sorted({w for w, _ in rows}))}")


if __name__ == "__main__":
    main()
