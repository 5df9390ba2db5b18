-- 一指数 (issue 4): methodology versions of the town vitality index and their results.
-- Version 1 (the default framework in assets/index/) is inserted by the core on first use. A
-- version is never edited: an edited methodology is saved as a new version and made current.

CREATE TABLE index_methodologies (
    version     INTEGER PRIMARY KEY,                  -- 1, 2, … in order of creation
    name        TEXT NOT NULL,
    meta_csv    TEXT NOT NULL,                        -- structure, COINr iMeta-style CSV
    method_toml TEXT NOT NULL,                        -- method file (TOML)
    note        TEXT NOT NULL DEFAULT '',             -- methodology note (Markdown, Chinese)
    created_at  TEXT NOT NULL,
    is_current  INTEGER NOT NULL DEFAULT 0 CHECK (is_current IN (0, 1))
) STRICT;
CREATE UNIQUE INDEX index_methodologies_one_current ON index_methodologies (is_current) WHERE is_current = 1;

-- Which data the stored results of a version were computed from (a fingerprint of the
-- year-end indicator values); results are recomputed when it no longer matches.
CREATE TABLE index_runs (
    version     INTEGER PRIMARY KEY REFERENCES index_methodologies (version) ON DELETE CASCADE,
    data_stamp  TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    is_demo     INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1))
) STRICT;

-- Score and rank (within the year) of the index and every dimension, per town, year and version.
CREATE TABLE index_results (
    version  INTEGER NOT NULL REFERENCES index_methodologies (version) ON DELETE CASCADE,
    year     INTEGER NOT NULL,
    town_id  INTEGER NOT NULL REFERENCES towns (id) ON DELETE CASCADE,
    node     TEXT NOT NULL,
    score    REAL,
    rank     INTEGER,
    is_demo  INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    PRIMARY KEY (version, year, node, town_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX index_results_town ON index_results (town_id, version);
