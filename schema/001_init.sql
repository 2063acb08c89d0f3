-- picdex catalogue, format 1. SQLite is the source of truth; the HNSW graph file
-- named by `snapshot` is a rebuildable cache over captions.vec.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE images (
  id       INTEGER PRIMARY KEY,
  uri      TEXT NOT NULL UNIQUE,
  metadata TEXT NOT NULL DEFAULT '{}',  -- JSON object, keys sorted
  added_at INTEGER NOT NULL             -- unix seconds
);

-- Caption rows are immutable: new text is a new row (AUTOINCREMENT: ids never reused,
-- so a graph label always names one caption).
CREATE TABLE captions (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  pos      INTEGER NOT NULL,  -- order within the image
  text     TEXT NOT NULL,
  vec      BLOB NOT NULL      -- float32 little-endian, L2-normalised, meta.dim floats
);
CREATE INDEX captions_by_image ON captions(image_id, pos);

-- Append-only log of graph changes, written in the same transaction as the rows.
CREATE TABLE changes (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  caption_id INTEGER NOT NULL,
  op         TEXT NOT NULL CHECK (op IN ('put', 'del'))
);

-- The one current graph snapshot: a file beside the catalogue holding every change
-- up to and including `seq`.
CREATE TABLE snapshot (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  file     TEXT NOT NULL,     -- file name, relative to the catalogue's folder
  seq      INTEGER NOT NULL,
  bytes    INTEGER NOT NULL,
  checksum TEXT NOT NULL,     -- XXH3-64 of the file, 16 hex digits
  elements INTEGER NOT NULL   -- graph elements, deleted ones included
);
