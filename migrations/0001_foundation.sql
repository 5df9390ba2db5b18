-- Foundation schema (issue 2). Placeholder table until the foundation lands.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
