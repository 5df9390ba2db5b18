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
