"""Regenerate the README's screenshots (docs/screenshot-*) from the real app on real photos.

From the repository root, with one command (about a minute on 2 cores):

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots.py

Everything runs offscreen on a private catalog, profiles, cache, settings and album copies in a
temporary folder (removed at the end; ``--keep`` keeps it and says where): the user's own data is
never read or written. The app is driven as the tests drive it (tests/test_gui.py,
tests/test_gui_taste.py): open an album and wait for its scores, rate and pick photos, let "Your
taste" refresh, train a small profile, open Photo ▸ Enhance…, find bursts and keep the best, open
Cull ▸ Export…. Windows have a fixed size and every random choice a fixed seed, so a rerun gives
the same pictures (up to the last digit of a score where threads sum in another order).

Photos: the Kodak24 set in ../shared/data/kodak24 (or the folder given with ``--kodak``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
KODAK = REPO.parent / "shared" / "data" / "kodak24"
WINDOW = (1400, 900)
ENHANCE = (1300, 840)
USER = "Ana"
JPEG_QUALITY = 85
#: The albums the screenshots are taken on: Kodak24 (taste, main, enhance), bursts (groups, export), a RAW card.
ALBUMS = ("kodak", "bursts", "card")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kodak", type=Path, default=KODAK, help="folder of the 24 Kodak PNGs")
    parser.add_argument("--out", type=Path, default=DOCS, help="where the screenshots go (default: docs/)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary catalog, albums and settings")
    parser.add_argument("--only", choices=ALBUMS, action="append", default=None,
                        help="only this album's screenshots (repeatable; default: all)")
    args = parser.parse_args()
    kodak = sorted(args.kodak.glob("kodim*.png"))
    if len(kodak) != 24:
        print(f"need the 24 Kodak photos in {args.kodak}", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="curator-screenshots-"))
    # Before the package is imported: it reads these once.
    os.environ["AESTHETIC_CURATOR_CATALOG"] = str(work / "catalog" / "catalog.sqlite3")
    os.environ["AESTHETIC_CURATOR_PROFILES"] = str(work / "profiles")
    os.environ["AESTHETIC_CURATOR_CACHE"] = str(work / "cache")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    started = time.monotonic()
    try:
        Shots(work, kodak, args.out).run(args.only or ALBUMS)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


class Shots:
    def __init__(self, work: Path, kodak: list[Path], out: Path):
        from PySide6.QtWidgets import QApplication

        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        self.work, self.kodak, self.out = work, kodak, out
        self.out.mkdir(parents=True, exist_ok=True)

    # -- driving the app ------------------------------------------------------------------------------
    def wait(self, condition, what: str, timeout: float = 300) -> None:
        """Process events until ``condition()`` holds (as qtbot.waitUntil does)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout:.0f} s for {what}")
            self.app.processEvents()
            time.sleep(0.02)

    def settle(self, seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.02)

    def window(self, name: str):
        """A main window on its own settings (as tests/conftest.py's make_window), for USER."""
        from PySide6.QtCore import QSettings

        from aesthetic_curator.catalog import Catalog
        from aesthetic_curator.gui.main_window import MainWindow

        with Catalog() as cat:
            cat.user_id(USER)
        settings = QSettings(str(self.work / f"{name}.ini"), QSettings.Format.IniFormat)
        settings.setValue("user", USER)
        settings.setValue("auto_train", False)  # the profile is trained once, when this script says
        w = MainWindow(settings=settings, profiles_folder=self.work / "profiles",
                       thumbnail_folder=self.work / "thumbs")
        w.resize(*WINDOW)
        w.show()
        return w

    def open_and_score(self, w, folder: Path) -> None:
        done = []
        w.scanFinished.connect(lambda *_: done.append(True))
        w.open_album(folder)
        self.wait(lambda: done, f"the scan of {folder.name}")
        self.wait(lambda: "personal" not in w.jobs, "the personal scores")

    def view_row(self, w, name: str) -> int:
        from aesthetic_curator.gui.album_model import PathRole

        for r in range(w.model.rowCount()):
            if Path(w.model.index(r).data(PathRole)).name == name:
                return r
        raise KeyError(name)

    def quiet(self, w) -> None:
        """Every job done, the shown photo decoded and the thumbnails on screen loaded."""
        from aesthetic_curator.gui.album_model import LoadedRole

        def loaded() -> bool:
            rect = w.grid.viewport().rect()
            rows = [r for r in range(w.model.rowCount()) if w.grid.visualRect(w.model.index(r)).intersects(rect)]
            return all(w.model.index(r).data(LoadedRole) for r in rows)

        self.settle(0.5)
        self.wait(lambda: not w.taste.timer.isActive() and not w.jobs, "the app's jobs")
        self.wait(lambda: w.view.pixmap is not None, "the photo in the viewer")
        self.wait(loaded, "the thumbnails")
        self.settle(0.5)

    def save(self, widget, name: str) -> None:
        from PIL import Image
        from PySide6.QtGui import QImage

        image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        pil = Image.frombuffer("RGB", (image.width(), image.height()), bytes(image.constBits()), "raw", "RGB",
                               image.bytesPerLine(), 1)
        path = self.out / name
        if path.suffix == ".png":
            pil.save(path, optimize=True)
        else:
            pil.save(path, quality=JPEG_QUALITY, optimize=True, progressive=True)
        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: "
              f"{pil.width}x{pil.height}, {path.stat().st_size // 1024} KB", flush=True)

    # -- the screenshots ------------------------------------------------------------------------------
    def run(self, albums: tuple[str, ...] | list[str] = ALBUMS) -> None:
        if "kodak" in albums:
            album = self.work / "kodak24"
            album.mkdir()
            for p in self.kodak:
                shutil.copy2(p, album / p.name)
            w = self.window("kodak")
            try:
                self.open_and_score(w, album)
                self.taste_and_main(w)
                self.enhance(w)
            finally:
                w.close()
        if "bursts" in albums:
            w = self.window("bursts")
            try:
                self.groups_and_export(w, self.work / "bursts")
            finally:
                w.close()
        if "card" in albums:
            w = self.window("card")
            try:
                self.raw_card(w, self.work / "DCIM")
            finally:
                w.close()
        self.settle(0.5)

    def taste_and_main(self, w) -> None:
        """Twelve ratings that follow brightness ("Your taste"), then two picks, sorted by your score."""
        import numpy as np
        from PIL import Image

        from aesthetic_curator.catalog import PICK

        rated = self.kodak[::2]  # kodim01, 03, ... 23
        light = np.array([np.asarray(Image.open(p).convert("L"), np.float32).mean() for p in rated])
        stars = {p.name: 1 + int(rank) * 5 // len(rated) for p, rank in zip(rated, light.argsort().argsort(),
                                                                              strict=True)}
        for name, n in stars.items():
            w.go_to(self.view_row(w, name))
            w.set_stars(n)
        self.wait(lambda: f"From your {len(rated)} ratings" in w.taste_panel.text.text(), "Your taste")
        brightest = max(stars, key=lambda k: (stars[k], k))
        w.go_to(self.view_row(w, brightest))
        self.quiet(w)
        print(w.taste_panel.text.text(), flush=True)
        self.save(w, "screenshot-taste.jpg")

        for name in sorted(k for k, v in stars.items() if v == 5):  # the photos they like best, picked
            w.go_to(self.view_row(w, name))
            w.set_flag(PICK)
        w.view_state.sort_by("personal")
        w.go_to(0)
        self.quiet(w)
        self.save(w, "screenshot-main.jpg")

    def enhance(self, w) -> None:
        """Train a small profile for the user, then Photo ▸ Enhance… on the parrots: natural, then FGSM."""
        from aesthetic_curator.personal.training import TrainConfig

        w.train_config = TrainConfig(epochs=3, batch_size=4, seed=0)
        w.train()
        self.wait(lambda: w.training_dialog is not None and w.training_dialog.done_, "the training", 900)
        self.wait(lambda: not w.training(), "the training's end")
        print(w.training_dialog.detail.text(), flush=True)
        w.training_dialog.close()
        self.wait(lambda: "personal" not in w.jobs, "the personal scores after training")

        w.go_to(self.view_row(w, "kodim23.png"))
        w.enhance()
        dialog = w.enhance_dialog
        dialog.resize(*ENHANCE)
        ready = []
        dialog.previewReady.connect(lambda *scores: ready.append(scores))
        self.wait(lambda: ready, "the natural preview")
        self.settle(0.5)
        self.save(dialog, "screenshot-enhance-natural.jpg")
        ready.clear()
        dialog.mode.setCurrentIndex(dialog.mode.findData("fgsm"))
        dialog.saliency.setChecked(True)
        self.wait(lambda: ready, "the FGSM preview")
        self.settle(0.5)
        print(dialog.scores.text(), flush=True)
        self.save(dialog, "screenshot-enhance-fgsm.jpg")
        dialog.close()

    def groups_and_export(self, w, folder: Path) -> None:
        """Bursts made of Kodak photos (as tests/test_gui.py does), stacked, the best of each picked."""
        from aesthetic_curator.evaluation.bursts import make_burst_album
        from aesthetic_curator.gui.album_model import GroupRole

        # Every fourth photo shot three more times (reframed, exposed differently, a little blur), each take
        # with its own EXIF capture time under a second after the last.
        make_burst_album(folder, self.kodak, every=4, takes=3, seed=0)
        self.open_and_score(w, folder)
        found = []
        w.cull.groupsFound.connect(found.append)
        w.cull.act_find.trigger()
        self.wait(lambda: found, "the bursts")
        w.cull.keep_best(only_current=False)
        w.view_state.sort_by("date")  # each burst's takes side by side when its stack is opened

        def first_best() -> int:
            return next(r for r in range(w.model.rowCount()) if (w.model.index(r).data(GroupRole) or (0, 0))[1])

        w.go_to(first_best())
        w.cull.toggle_expanded()  # the first stack opened (G): its best picked, the other takes rejected
        w.go_to(first_best())
        self.quiet(w)
        self.save(w, "screenshot-groups.jpg")

        w.cull.export()
        dialog = w.cull.dialog
        dialog.dest.setText("~/Pictures/picks")
        self.settle(0.5)
        self.save(dialog, "screenshot-export.png")
        dialog.close()

    def raw_card(self, w, card: Path) -> None:
        """A memory card as a camera set to RAW+JPEG writes it (DNGs built by tests/dng.py from Kodak photos: a
        Bayer mosaic, a full-size and a mid-size preview, EXIF), a few frames RAW only and one JPEG only: the
        pairs one item each with their badge, a pair in the viewer, developed by LibRaw (D)."""
        import datetime as dt

        import numpy as np
        from PIL import Image

        sys.path.insert(0, str(REPO / "tests"))
        from dng import Shot, write_dng

        card.mkdir()
        start = dt.datetime(2026, 6, 14, 17, 5, 12)
        for i, p in enumerate(self.kodak[:10]):
            rgb = np.asarray(Image.open(p).convert("RGB"))
            name = f"IMG_{4301 + i:04d}"
            shot = Shot(taken=start + dt.timedelta(seconds=37 * i), subsec=f"{(i * 13) % 100:02d}",
                        make="Curator", model="Card Camera", lens="Test 24-70mm F2.8")
            if i != 7:
                write_dng(card / f"{name}.DNG", rgb, preview=max(rgb.shape), previews=(480,), shot=shot)
            if i % 3 != 2:
                Image.fromarray(rgb).save(card / f"{name}.JPG", quality=92)
        self.open_and_score(w, card)
        w.view_state.sort_by("name")
        w.go_to(self.view_row(w, "IMG_4301.DNG"))
        self.quiet(w)
        w.view.develop_action.trigger()
        self.wait(lambda: "LibRaw" in w.view.rendering_label.text(), "the develop")
        self.quiet(w)
        self.save(w, "screenshot-raw.jpg")


if __name__ == "__main__":
    sys.exit(main())
