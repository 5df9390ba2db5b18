-- Marks the file as a TownCockpit database in SQLite's header (offset 68, `application_id`):
-- 0x54434B50, the ASCII of "TCKP". Opening checks it read-only before anything can write, so
-- another program's SQLite file (even one with its own `_sqlx_migrations`) is never touched.
-- A header write like user_version: it commits with this migration's transaction.
PRAGMA application_id = 1413696336;
