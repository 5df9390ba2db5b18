-- Town profiles (issue 19): each town's own targets, which the profile sets its figures against.
-- key is a profile figure key (output, tax, effective_investment, … see src/profile/figures.rs);
-- target is in that figure's unit (万元, %, 家, 人, 万元/亩).
CREATE TABLE town_targets (
    town_id  INTEGER NOT NULL REFERENCES towns (id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    year     INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    target   REAL NOT NULL,
    source   TEXT NOT NULL,          -- the plan or file the target comes from
    is_demo  INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    PRIMARY KEY (town_id, key, year)
) STRICT;

-- 典型案例: best-practice cases the province collects, optionally about one town.
CREATE TABLE cases (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL CHECK (length(trim(title)) > 0),
    body       TEXT NOT NULL,
    case_date  TEXT NOT NULL,                 -- YYYY-MM-DD
    tags_json  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json)),
    town_id    INTEGER REFERENCES towns (id) ON DELETE CASCADE,
    added_at   TEXT NOT NULL,                 -- RFC 3339 UTC
    is_demo    INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1))
) STRICT;
CREATE INDEX cases_town ON cases (town_id);

-- Photos and documents attached to a town or a case. Files live under the data directory
-- (path relative to it); photos also get a resized copy for display.
CREATE TABLE media (
    id            INTEGER PRIMARY KEY,
    town_id       INTEGER REFERENCES towns (id) ON DELETE CASCADE,
    case_id       INTEGER REFERENCES cases (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('photo', 'document')),  -- src/vocab.rs MEDIA_KINDS
    file_name     TEXT NOT NULL,              -- the name it was attached under
    path          TEXT NOT NULL,              -- the stored original, relative to the data directory
    display_path  TEXT,                       -- resized JPEG of a photo, relative to the data directory
    caption       TEXT,
    taken_on      TEXT,                       -- YYYY-MM-DD
    bytes         INTEGER NOT NULL CHECK (bytes >= 0),
    sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
    width         INTEGER,
    height        INTEGER,
    added_at      TEXT NOT NULL,
    is_demo       INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    CHECK ((town_id IS NULL) <> (case_id IS NULL))
) STRICT;
CREATE INDEX media_town ON media (town_id);
CREATE INDEX media_case ON media (case_id);
