-- Town codes (issue 5). A town keeps its code for life; a county's sequence numbers are handed
-- out once and never reused, even after the town is deleted (town_code_counters keeps the
-- highest number each county has used).

CREATE TABLE town_codes (
    town_id     INTEGER PRIMARY KEY REFERENCES towns (id) ON DELETE CASCADE,
    code        TEXT NOT NULL UNIQUE CHECK (length(code) = 11),   -- compact form, e.g. D330110001X
    county_code TEXT NOT NULL,
    category    TEXT NOT NULL CHECK (length(category) = 1),       -- the category letter
    sequence    INTEGER NOT NULL CHECK (sequence BETWEEN 1 AND 999),
    assigned_at TEXT NOT NULL,                                    -- RFC 3339 UTC
    is_demo     INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    UNIQUE (county_code, sequence)
) STRICT;

CREATE TABLE town_code_counters (
    county_code TEXT PRIMARY KEY,
    highest     INTEGER NOT NULL CHECK (highest BETWEEN 0 AND 999)
) STRICT;

-- Every signed QR payload issued; the latest row per town is its current code.
CREATE TABLE town_code_issues (
    id         INTEGER PRIMARY KEY,
    town_id    INTEGER NOT NULL REFERENCES towns (id) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    issued_on  TEXT NOT NULL,            -- YYYY-MM-DD, as in the payload
    colour     TEXT NOT NULL CHECK (colour IN ('绿', '黄', '红', '灰')),
    key_id     TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL,            -- RFC 3339 UTC
    is_demo    INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1))
) STRICT;
CREATE INDEX town_code_issues_town ON town_code_issues (town_id, id);
CREATE INDEX town_code_issues_code ON town_code_issues (code, id);
