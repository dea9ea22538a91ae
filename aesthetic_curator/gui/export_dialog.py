"""Export the picks, the top N or starred photos to a folder, with sidecars, progress and Cancel.

Which photos match is counted as the choice changes (catalog reads of a few milliseconds); the
copying or moving runs in a job with its own catalog connection.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..catalog import Catalog
from ..export import ExportItem, choose, export_photos, write_report
from ..xmp import SIDECAR_STYLES
from .protocols import ExportHost
from .workers import Job, start


class ExportDialog(QDialog):
    """``finished_export(n)`` with the number of photos exported."""

    finished_export = Signal(int)

    def __init__(self, window: ExportHost):
        super().__init__(window)
        self.w = window
        self.job: Job | None = None
        self.items: list[ExportItem] = []
        self.setWindowTitle(f"Export — {window.user}")

        self.picks = QRadioButton("Picks")
        self.top = QRadioButton("The best")
        self.top_n = QSpinBox(minimum=1, maximum=100000, value=20, suffix=" photos")
        self.stars = QRadioButton("Rated")
        self.min_stars = QSpinBox(minimum=1, maximum=5, value=4, suffix=" ★ or more")
        which = QButtonGroup(self)
        for b in (self.picks, self.top, self.stars):
            which.addButton(b)
        self.picks.setChecked(True)
        self.count = QLabel()
        choice = QVBoxLayout()
        for widgets in ((self.picks,), (self.top, self.top_n), (self.stars, self.min_stars)):
            row = QHBoxLayout()
            for x in widgets:
                row.addWidget(x)
            row.addStretch(1)
            choice.addLayout(row)
        choice.addWidget(self.count)

        self.dest = QLineEdit(window.settings.value("export/dest", "", str))
        self.dest.setPlaceholderText("Destination folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        dest_row = QHBoxLayout()
        dest_row.addWidget(self.dest, 1)
        dest_row.addWidget(browse)
        self.copy = QRadioButton("Copy (originals stay as they are)")
        self.move = QRadioButton("Move (the originals leave the album)")
        self.copy.setChecked(True)
        self.sidecars = QComboBox()
        for style, text in (("darktable", "photo.jpg.xmp (darktable, digiKam)"),
                            ("lightroom", "photo.xmp (Lightroom, Bridge)"), ("none", "No sidecars")):
            self.sidecars.addItem(text, style)
        saved = window.settings.value("xmp/style", "darktable", str)
        self.sidecars.setCurrentIndex(SIDECAR_STYLES.index(saved) if saved in SIDECAR_STYLES else 0)
        self.pairs = QComboBox()
        for which, text in (("both", "RAW and JPEG"), ("raw", "RAW only"), ("jpeg", "JPEG only")):
            self.pairs.addItem(text, which)
        saved = window.settings.value("export/pairs", "both", str)
        self.pairs.setCurrentIndex(max(0, self.pairs.findData(saved)))
        self.pairs.setToolTip("What to export of a photo shot as RAW+JPEG (shown with a RAW+JPEG badge)")
        self.report = QCheckBox("Write a report (export-report.csv in the destination)")
        self.report.setChecked(True)

        form = QFormLayout()
        form.addRow("Export:", _wrap(choice))
        form.addRow("To:", _wrap(dest_row))
        mode = QVBoxLayout()
        mode.addWidget(self.copy)
        mode.addWidget(self.move)
        form.addRow("How:", _wrap(mode))
        form.addRow("Sidecars:", self.sidecars)
        form.addRow("RAW+JPEG pairs:", self.pairs)
        form.addRow("", self.report)

        self.progress = QProgressBar()
        self.progress.hide()
        self.status = QLabel()
        self.go = QPushButton("Export")
        self.go.setDefault(True)
        self.go.clicked.connect(self.start)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self._cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.go)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)

        for signal in (self.picks.toggled, self.top.toggled, self.stars.toggled):
            signal.connect(lambda _: self.recount())
        self.top_n.valueChanged.connect(lambda _: self.recount())
        self.min_stars.valueChanged.connect(lambda _: self.recount())
        self.recount()

    def selection(self) -> str:
        return "picks" if self.picks.isChecked() else "top" if self.top.isChecked() else "stars"

    def recount(self) -> None:
        """Which photos match now (the window's personal scores rank "the best")."""
        w = self.w
        personal = w.album.personal_by_hash()
        self.items = choose(w.album.report().scores, w.catalog, w.user, selection=self.selection(),
                            top=self.top_n.value(), min_stars=self.min_stars.value(), personal=personal)
        self.count.setText(f"{len(self.items)} photo(s) match")
        self.go.setEnabled(bool(self.items) and self.job is None)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to", self.dest.text() or str(self.w.album.folder or ""))
        if folder:
            self.dest.setText(folder)

    def start(self) -> None:
        if not self.items or self.job is not None:
            return
        text = self.dest.text().strip()
        if not text:
            self.status.setText("Choose a destination folder")
            return
        dest = Path(text).expanduser()
        move = self.move.isChecked()
        if move:
            answer = QMessageBox.question(self, "Move photos?",
                                          f"Move {len(self.items)} photo(s) out of the album into {dest}?\n"
                                          "They will no longer be in their current folder.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.w.settings.setValue("export/dest", str(dest))
        items, user, catalog_path = list(self.items), self.w.user, self.w.catalog.path
        style = self.sidecars.currentData()
        pairs = self.pairs.currentData()
        self.w.settings.setValue("export/pairs", pairs)
        report_path = dest / "export-report.csv" if self.report.isChecked() else None

        def work(report, cancel):
            with Catalog(catalog_path) as cat:
                result = export_photos(items, dest, move=move, sidecars=None if style == "none" else style,
                                       user=user, catalog=cat, cancel=cancel, pairs=pairs,
                                       progress=lambda done, total: report((done, total)))
            if report_path is not None and result.exported:
                result.report_path = write_report(result, report_path)
            return result

        self.job = Job(work)
        self.job.signals.progress.connect(lambda _i, p: self._progress(*p))
        self.job.signals.finished.connect(lambda _i, result: self._done(result))
        self.job.signals.failed.connect(lambda _i, message: self._failed(message))
        self.job.signals.cancelled.connect(lambda _i: self._failed("cancelled before it began"))
        self.progress.setRange(0, len(items))
        self.progress.setValue(0)
        self.progress.show()
        self.go.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.status.setText("Exporting…")
        start(self.job, self.w.runner.pool)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setValue(done)
        self.status.setText(f"Exporting: {done} of {total}")

    def _done(self, result) -> None:
        self.job = None
        self.cancel_button.setText("Close")
        verb = "moved" if result.moved else "copied"
        text = f"{len(result.exported)} photo(s) {verb}" + (" (cancelled)" if result.cancelled else "")
        if result.skipped:
            text += f"; {len(result.skipped)} skipped (see Skipped in the status bar)"
            self.w.album.skipped += [(k.path, k.reason) for k in result.skipped]
            self.w.update_counts()
        if result.report_path is not None:
            text += f"; report: {result.report_path.name}"
        self.status.setText(text)
        if result.moved and result.exported:
            self.w.open_album(self.w.album.folder)  # the moved photos left this album
        self.recount()
        self.finished_export.emit(len(result.exported))

    def _failed(self, message: str) -> None:
        self.job = None
        self.cancel_button.setText("Close")
        self.status.setText(f"Export stopped: {message}")
        self.recount()

    def _cancel_or_close(self) -> None:
        if self.job is not None:
            self.job.stop()
            self.status.setText("Cancelling after this photo…")
        else:
            self.close()

    def reject(self) -> None:
        """Esc or the window's close button: while exporting, the same as Cancel (an export
        never runs on unseen); the dialog stays open to say what was exported."""
        if self.job is not None:
            self._cancel_or_close()
            return
        super().reject()


def _wrap(layout) -> QWidget:
    w = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    w.setLayout(layout)
    return w
