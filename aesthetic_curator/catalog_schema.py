"""The catalog's schema: every step from an empty file to the current version, and the code that runs them.

Kept apart from :mod:`.catalog` (the queries) because the two change for different reasons: a step is
appended here once per release that changes the tables and is never edited afterwards (a user's file may
sit at any earlier version), while queries change freely.

``PRAGMA user_version`` is the schema version; :func:`migrate` brings older files forward one step per
transaction, and a file written by a newer release is refused rather than damaged.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import UserError

MIGRATIONS: tuple[str, ...] = (
    # 1: photos by content, files by path, cached scores per model, remembered bad files.
    """
    CREATE TABLE photos (
        id            INTEGER PRIMARY KEY,
        content_hash  TEXT NOT NULL UNIQUE,
        width         INTEGER,
        height        INTEGER,
        added         REAL NOT NULL
    );
    CREATE TABLE files (
        path      TEXT PRIMARY KEY,
        photo_id  INTEGER NOT NULL REFERENCES photos(id),
        size      INTEGER NOT NULL,
        mtime_ns  INTEGER NOT NULL,
        seen      REAL NOT NULL
    );
    CREATE INDEX files_photo ON files(photo_id);
    CREATE TABLE scores (
        photo_id      INTEGER NOT NULL REFERENCES photos(id),
        model_id      TEXT NOT NULL,
        mean          REAL NOT NULL,
        std           REAL NOT NULL,
        distribution  BLOB NOT NULL,
        features      BLOB NOT NULL,
        scored        REAL NOT NULL,
        PRIMARY KEY (photo_id, model_id)
    );
    CREATE TABLE bad_files (
        path      TEXT PRIMARY KEY,
        size      INTEGER NOT NULL,
        mtime_ns  INTEGER NOT NULL,
        reason    TEXT NOT NULL,
        seen      REAL NOT NULL
    );
    """,
    # 2: users and their star ratings, keyed by photo content so they follow moved files.
    """
    CREATE TABLE users (
        id       INTEGER PRIMARY KEY,
        name     TEXT NOT NULL UNIQUE,
        created  REAL NOT NULL
    );
    CREATE TABLE ratings (
        user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        photo_id  INTEGER NOT NULL REFERENCES photos(id),
        rating    REAL NOT NULL CHECK (rating >= 1 AND rating <= 5),
        rated     REAL NOT NULL,
        PRIMARY KEY (user_id, photo_id)
    );
    """,
    # 3: culling flags (pick / reject) per user, beside their stars.
    """
    CREATE TABLE flags (
        user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        photo_id  INTEGER NOT NULL REFERENCES photos(id),
        flag      INTEGER NOT NULL CHECK (flag IN (-1, 1)),
        flagged   REAL NOT NULL,
        PRIMARY KEY (user_id, photo_id)
    );
    """,
    # 4: a perceptual hash per photo (signed 64-bit), for grouping near-duplicates and bursts.
    """
    ALTER TABLE photos ADD COLUMN phash INTEGER;
    """,
    # 5: first-layer statistics beside the pooled features (float16), for learning a person's taste in
    # exposure, colour and contrast. NULL for scores of earlier releases: the scan fills them in.
    """
    ALTER TABLE scores ADD COLUMN look BLOB;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class CatalogError(UserError, RuntimeError):
    """The catalog file cannot be used (damaged, or written by a newer release)."""


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the file open on ``db`` to :data:`SCHEMA_VERSION`, one atomic step per version.

    Raises :class:`CatalogError` for a file of a newer release: writing to it could lose what that release
    stored."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise CatalogError(
            f"catalog {path} has schema version {version}, newer than this release "
            f"understands ({SCHEMA_VERSION}); upgrade Aesthetic Curator to use it"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        # executescript() commits first and cannot run inside Catalog._write(); BEGIN inside the script keeps
        # each step atomic.
        db.executescript(f"BEGIN IMMEDIATE; {MIGRATIONS[target - 1]} PRAGMA user_version = {target}; COMMIT;")
