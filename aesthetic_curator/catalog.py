"""The catalog: what we know about every photo, in SQLite, outside the album.

* Photos are keyed by the hash of their bytes, so a renamed or moved file keeps its scores (and,
  later, its ratings); ``files`` maps paths to photos with (size, mtime) to notice edits cheaply.
* Scores are cached per (photo, model id): re-opening an unchanged album runs no inference.
* WAL journal, one transaction per batch: a scan killed at any moment leaves a catalog that
  opens, holding every batch committed before the kill.
* ``PRAGMA user_version`` is the schema version; :mod:`.catalog_schema` brings older files forward,
  and a file written by a newer release is refused rather than damaged.
* Every write is one transaction of :meth:`Catalog._write`: all of it lands, or none of it.

A :class:`Catalog` (one SQLite connection) belongs to the thread that opened it; other threads
open their own (WAL lets readers run beside a writer).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from platformdirs import user_data_dir

from .catalog_schema import MIGRATIONS, SCHEMA_VERSION, CatalogError, migrate
from .errors import InvalidValueError, UnknownUserError

APP_NAME = "aesthetic-curator"
ENV_VAR = "AESTHETIC_CURATOR_CATALOG"

PICK, REJECT = 1, -1


def default_catalog_path() -> Path:
    """``$AESTHETIC_CURATOR_CATALOG`` if set, else ``catalog.sqlite3`` in the user data dir."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return Path(user_data_dir(APP_NAME, appauthor=False)) / "catalog.sqlite3"


@dataclass(frozen=True)
class KnownFile:
    path: str
    photo_id: int
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class StoredScore:
    photo_id: int
    content_hash: str
    mean: float
    std: float
    distribution: np.ndarray
    features: np.ndarray
    look: np.ndarray | None = None


@dataclass(frozen=True)
class NewScore:
    """One freshly scored photo, as the scanner hands it to :meth:`Catalog.add_scores`."""

    path: str
    size: int
    mtime_ns: int
    content_hash: str
    width: int
    height: int
    mean: float
    std: float
    distribution: np.ndarray
    features: np.ndarray
    phash: int | None = None
    look: np.ndarray | None = None


def _signed64(h: int | None) -> int | None:
    """SQLite integers are signed: store a 64-bit hash as its two's-complement value."""
    return None if h is None else (h - (1 << 64) if h >= 1 << 63 else h)


def _blob(a: np.ndarray, dtype: str) -> bytes:
    return np.ascontiguousarray(a, dtype=dtype).tobytes()


class Catalog:
    """One connection to the catalog file. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path is not None else default_catalog_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe under WAL
            self._db.execute("PRAGMA foreign_keys=ON")
            migrate(self._db, self.path)
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"cannot open catalog {self.path}: {exc}") from exc

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    # -- reads ---------------------------------------------------------------------------------
    def known_files(self, paths: Iterable[str]) -> dict[str, KnownFile]:
        """Catalog rows for these paths (those we have), in one pass over a temporary table."""
        paths = list(paths)
        if not paths:
            return {}
        cur = self._db.cursor()
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (path TEXT PRIMARY KEY)")
        # A read: it writes only this connection's temporary table, so a deferred BEGIN (one snapshot, the
        # temp rows batched), not _write()'s IMMEDIATE, which would wait for a scan's write lock.
        cur.execute("BEGIN")
        try:
            cur.execute("DELETE FROM wanted")
            cur.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((p,) for p in paths))
            rows = cur.execute(
                "SELECT f.path, f.photo_id, f.size, f.mtime_ns FROM files f JOIN wanted w USING (path)"
            ).fetchall()
            cur.execute("DELETE FROM wanted")
        finally:
            cur.execute("COMMIT")
        return {r[0]: KnownFile(*r) for r in rows}

    def scores_for(self, photo_ids: Iterable[int], model_id: str) -> dict[int, StoredScore]:
        ids = list(set(photo_ids))
        out: dict[int, StoredScore] = {}
        for pid, chash, mean, std, dist, feats, look in self._select_in(
                "SELECT s.photo_id, p.content_hash, s.mean, s.std, s.distribution, s.features, s.look "
                "FROM scores s JOIN photos p ON p.id = s.photo_id WHERE s.model_id = ? AND s.photo_id IN ({marks})",
                ids, (model_id,)):
            out[pid] = StoredScore(pid, chash, mean, std, np.frombuffer(dist, dtype=np.float32),
                                   np.frombuffer(feats, dtype=np.float16).astype(np.float32),
                                   None if look is None else np.frombuffer(look, dtype=np.float16).astype(np.float32))
        return out

    def score_sample(self, model_id: str, limit: int = 2048) -> list[StoredScore]:
        """At most ``limit`` scores of ``model_id``, evenly spaced by photo id: the catalog-wide sample a
        user's taste space is fitted on (see personal/taste.py)."""
        ids = [r[0] for r in self._db.execute(
            "SELECT photo_id FROM scores WHERE model_id = ? ORDER BY photo_id", (model_id,))]
        if len(ids) > limit:
            ids = [ids[i] for i in np.linspace(0, len(ids) - 1, limit).round().astype(int)]
        stored = self.scores_for(ids, model_id)
        return [stored[i] for i in ids if i in stored]

    def _select_in(self, sql: str, values: Sequence, before: tuple = ()) -> Iterator[tuple]:
        """Rows of ``sql`` with its ``{marks}`` placeholder bound to ``values``, queried in chunks
        that stay under SQLite's bound-parameter limit."""
        for start in range(0, len(values), 900):
            chunk = values[start : start + 900]
            yield from self._db.execute(sql.format(marks=",".join("?" * len(chunk))), (*before, *chunk)).fetchall()

    def scored_hashes(self, model_id: str, *, with_look: bool = False) -> dict[str, int]:
        """content hash -> photo id for every photo already scored by ``model_id`` (with its first-layer
        statistics, when ``with_look``)."""
        return dict(
            self._db.execute(
                "SELECT p.content_hash, p.id FROM photos p JOIN scores s ON s.photo_id = p.id "
                "WHERE s.model_id = ?" + (" AND s.look IS NOT NULL" if with_look else ""),
                (model_id,),
            ).fetchall()
        )

    def photo_ids(self, content_hashes: Iterable[str]) -> dict[str, int]:
        """content hash -> photo id, for the hashes the catalog knows."""
        hashes = list(set(content_hashes))
        return dict(self._select_in("SELECT content_hash, id FROM photos WHERE content_hash IN ({marks})", hashes))

    def known_bad(self, paths: Iterable[str]) -> dict[str, tuple[int, int, str]]:
        paths = list(paths)
        out: dict[str, tuple[int, int, str]] = {}
        for path, size, mtime, reason in self._select_in(
                "SELECT path, size, mtime_ns, reason FROM bad_files WHERE path IN ({marks})", paths):
            out[path] = (size, mtime, reason)
        return out

    def phashes(self, photo_ids: Iterable[int]) -> dict[int, int]:
        """photo id -> perceptual hash (unsigned 64-bit), for the photos that have one."""
        ids = list(set(photo_ids))
        return {pid: h & ((1 << 64) - 1) for pid, h in self._select_in(
            "SELECT id, phash FROM photos WHERE phash IS NOT NULL AND id IN ({marks})", ids)}

    def set_phashes(self, hashes: dict[int, int]) -> None:
        with self._write() as cur:
            cur.executemany("UPDATE photos SET phash = ? WHERE id = ?",
                            [(_signed64(h), pid) for pid, h in hashes.items()])

    def move_file(self, old: Path | str, new: Path | str) -> None:
        """A file the user asked us to move: its catalog row follows it."""
        st = os.stat(new)
        with self._write() as cur:
            cur.execute("DELETE FROM files WHERE path = ?", (os.path.abspath(new),))
            cur.execute("UPDATE files SET path = ?, size = ?, mtime_ns = ?, seen = ? WHERE path = ?",
                        (os.path.abspath(new), st.st_size, st.st_mtime_ns, time.time(), os.path.abspath(old)))

    def photo_count(self) -> int:
        return self._db.execute("SELECT count(*) FROM photos").fetchone()[0]

    def score_count(self, model_id: str | None = None) -> int:
        if model_id is None:
            return self._db.execute("SELECT count(*) FROM scores").fetchone()[0]
        return self._db.execute("SELECT count(*) FROM scores WHERE model_id = ?", (model_id,)).fetchone()[0]

    # -- writes ----------------------------------------------------------------------------------
    def add_scores(self, model_id: str, scores: Sequence[NewScore]) -> list[int]:
        """Store a batch of new results in one transaction: all of it lands, or none of it.

        Returns each score's photo id, in order: the scan hands them on with its results, so no caller has
        to look photos up by content hash again."""
        now = time.time()
        ids: list[int] = []
        with self._write() as cur:
            for s in scores:
                cur.execute(
                    "INSERT INTO photos (content_hash, width, height, added, phash) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(content_hash) DO UPDATE SET width = excluded.width, height = excluded.height, "
                    "phash = coalesce(excluded.phash, photos.phash)",
                    (s.content_hash, s.width, s.height, now, _signed64(s.phash)),
                )
                photo_id = cur.execute(
                    "SELECT id FROM photos WHERE content_hash = ?", (s.content_hash,)
                ).fetchone()[0]
                self._put_file(cur, s.path, photo_id, s.size, s.mtime_ns, now)
                cur.execute(
                    "INSERT OR REPLACE INTO scores (photo_id, model_id, mean, std, distribution, features, scored, "
                    "look) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (photo_id, model_id, float(s.mean), float(s.std), _blob(s.distribution, "float32"),
                     _blob(s.features, "float16"), now, None if s.look is None else _blob(s.look, "float16")),
                )
                ids.append(photo_id)
        return ids

    def link_files(self, links: Sequence[tuple[str, int, int, int]]) -> None:
        """Record (path, photo_id, size, mtime_ns) for files whose content we already know."""
        now = time.time()
        with self._write() as cur:
            for path, photo_id, size, mtime in links:
                self._put_file(cur, path, photo_id, size, mtime, now)

    @staticmethod
    def _put_file(cur: sqlite3.Cursor, path: str, photo_id: int, size: int, mtime: int, now: float) -> None:
        cur.execute(
            "INSERT OR REPLACE INTO files (path, photo_id, size, mtime_ns, seen) VALUES (?, ?, ?, ?, ?)",
            (path, photo_id, size, mtime, now),
        )
        cur.execute("DELETE FROM bad_files WHERE path = ?", (path,))

    def remember_bad(self, bad: Sequence[tuple[str, int, int, str]]) -> None:
        """Remember (path, size, mtime_ns, reason) of undecodable files, so unchanged ones are not
        decoded again on every scan (they are still reported)."""
        if not bad:
            return
        now = time.time()
        with self._write() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO bad_files VALUES (?, ?, ?, ?, ?)",
                [(p, s, m, r, now) for p, s, m, r in bad],
            )

    # -- photos without scores, users and ratings ---------------------------------------------------
    def photo_id_for_file(self, path: Path | str, *, check: Callable[[bytes, Path], object] | None = None) -> int:
        """The photo id of a file, registering it (by content hash) if the catalog lacks it.

        An unchanged known file costs one ``stat``; otherwise the file is read and hashed.
        ``check(data, path)`` runs on a file about to be registered and raises to refuse it (a
        text file named ``.jpg`` must not collect ratings).
        """
        from .imaging import photo_identity, read_bytes

        path = os.path.abspath(path)
        st = os.stat(path)
        known = self.known_files([path]).get(path)
        if known is not None and (known.size, known.mtime_ns) == (st.st_size, st.st_mtime_ns):
            return known.photo_id
        data = read_bytes(Path(path))
        if check is not None:
            check(data, Path(path))
        chash = photo_identity(Path(path), data)
        now = time.time()
        with self._write() as cur:
            cur.execute("INSERT OR IGNORE INTO photos (content_hash, added) VALUES (?, ?)", (chash, now))
            photo_id = cur.execute("SELECT id FROM photos WHERE content_hash = ?", (chash,)).fetchone()[0]
            self._put_file(cur, path, photo_id, st.st_size, st.st_mtime_ns, now)
        return photo_id

    def paths_of(self, photo_ids: Iterable[int]) -> dict[int, list[str]]:
        """Every known path of each photo (a photo may have copies), most recently seen first."""
        ids = list(set(photo_ids))
        out: dict[int, list[str]] = {}
        for pid, path in self._select_in(
                "SELECT photo_id, path FROM files WHERE photo_id IN ({marks}) ORDER BY seen DESC", ids):
            out.setdefault(pid, []).append(path)
        return out

    def user_id(self, name: str, *, create: bool = True) -> int:
        name = name.strip()
        if not name:
            raise InvalidValueError("a user needs a name")
        row = self._db.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return row[0]
        if not create:
            raise UnknownUserError(f"no user named {name!r}")
        with self._write() as cur:  # OR IGNORE + select: another connection may have added the name meanwhile
            cur.execute("INSERT OR IGNORE INTO users (name, created) VALUES (?, ?)", (name, time.time()))
            return cur.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()[0]

    def users(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT name FROM users ORDER BY name")]

    def set_ratings(self, user: str, ratings: Sequence[tuple[int, float | None]]) -> None:
        """Set (photo id, stars 1..5) for a user in one transaction; ``None`` clears a rating."""
        self.set_marks(user, ratings=ratings)

    def ratings(self, user: str) -> dict[int, float]:
        """photo id -> stars of everything ``user`` has rated (empty for an unknown user), oldest rating first
        (the order a learning curve replays them in)."""
        return dict(self._db.execute(
            "SELECT r.photo_id, r.rating FROM ratings r JOIN users u ON u.id = r.user_id WHERE u.name = ? "
            "ORDER BY r.rated, r.photo_id",
            (user.strip(),),
        ).fetchall())

    def set_flags(self, user: str, flags: Sequence[tuple[int, int | None]]) -> None:
        """Set (photo id, PICK or REJECT) for a user in one transaction; ``None`` unflags."""
        self.set_marks(user, flags=flags)

    def set_marks(self, user: str, ratings: Sequence[tuple[int, float | None]] = (),
                  flags: Sequence[tuple[int, int | None]] = ()) -> None:
        """Stars and flags together, in one transaction: all of it lands, or none of it."""
        for _, stars in ratings:
            if stars is not None and not 1 <= stars <= 5:
                raise ValueError(f"a rating is 1 to 5 stars, not {stars}")
        for _, flag in flags:
            if flag not in (PICK, REJECT, None):
                raise ValueError(f"a flag is PICK (1), REJECT (-1) or None, not {flag!r}")
        uid = self.user_id(user)
        now = time.time()
        with self._write() as cur:
            for photo_id, stars in ratings:
                if stars is None:
                    cur.execute("DELETE FROM ratings WHERE user_id = ? AND photo_id = ?", (uid, photo_id))
                else:
                    cur.execute("INSERT OR REPLACE INTO ratings VALUES (?, ?, ?, ?)",
                                (uid, photo_id, float(stars), now))
            for photo_id, flag in flags:
                if flag is None:
                    cur.execute("DELETE FROM flags WHERE user_id = ? AND photo_id = ?", (uid, photo_id))
                else:
                    cur.execute("INSERT OR REPLACE INTO flags VALUES (?, ?, ?, ?)", (uid, photo_id, flag, now))

    def flags(self, user: str) -> dict[int, int]:
        """photo id -> PICK or REJECT for everything ``user`` has flagged."""
        return dict(self._db.execute(
            "SELECT f.photo_id, f.flag FROM flags f JOIN users u ON u.id = f.user_id WHERE u.name = ?",
            (user.strip(),),
        ).fetchall())

    def rename_user(self, old: str, new: str) -> None:
        new = new.strip()
        if not new:
            raise InvalidValueError("a user needs a name")
        if new in self.users():
            raise InvalidValueError(f"there is already a user named {new!r}")
        with self._write() as cur:
            cur.execute("UPDATE users SET name = ? WHERE name = ?", (new, old.strip()))
            renamed = cur.rowcount
        if renamed == 0:
            raise UnknownUserError(f"no user named {old!r}")

    def delete_user(self, name: str) -> None:
        """Forget a user with their ratings and flags (the photos and scores stay)."""
        with self._write() as cur:
            row = cur.execute("SELECT id FROM users WHERE name = ?", (name.strip(),)).fetchone()
            if row is None:
                return
            cur.execute("DELETE FROM ratings WHERE user_id = ?", row)
            cur.execute("DELETE FROM flags WHERE user_id = ?", row)
            cur.execute("DELETE FROM users WHERE id = ?", row)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction: committed at the end of the block, rolled back on any error (a
        KeyboardInterrupt too). IMMEDIATE takes the write lock at the start, so two connections writing at
        once wait for each other (``timeout``) instead of failing half-way with SQLITE_BUSY. The one place
        that does not use it is a schema migration (``executescript`` manages its own transaction)."""
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    def integrity_ok(self) -> bool:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


__all__ = [
    "APP_NAME", "ENV_VAR", "MIGRATIONS", "PICK", "REJECT", "SCHEMA_VERSION", "Catalog", "CatalogError", "KnownFile",
    "NewScore", "StoredScore", "default_catalog_path",
]
