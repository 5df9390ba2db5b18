-- Issue 16 (数据): every import is one batch, recorded with its file and counts, and can be
-- undone: for each row it added or changed, the batch keeps the row's key and, for a changed
-- row, its values before the import. Undo deletes the added rows and puts the changed ones back.

CREATE TABLE import_batches (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,          -- towns / indicators / enterprises / package
    file_name  TEXT NOT NULL,
    sha256     TEXT NOT NULL,          -- of the file's bytes, hex
    at         TEXT NOT NULL,          -- RFC 3339 UTC
    rows       INTEGER NOT NULL,       -- data rows read
    added      INTEGER NOT NULL,
    changed    INTEGER NOT NULL,
    unchanged  INTEGER NOT NULL,
    source     TEXT NOT NULL,          -- who imported (store::actor)
    undone_at  TEXT                    -- set when the batch was undone
) STRICT;

CREATE TABLE import_batch_rows (
    id         INTEGER PRIMARY KEY,
    batch_id   INTEGER NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    table_name TEXT NOT NULL,
    row_key    TEXT NOT NULL,          -- JSON array of the key columns' values
    previous   TEXT                    -- JSON array of the row's columns before; NULL = added
) STRICT;
CREATE INDEX import_batch_rows_batch ON import_batch_rows (batch_id, id);
