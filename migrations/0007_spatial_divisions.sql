-- 一图 (issue 6, second file): official city or county boundaries imported by the user
-- (`towncockpit map import-divisions`). A row replaces the bundled shape of its division on every
-- map, render and town-boundary check; importing a level replaces all rows of that level.
CREATE TABLE division_boundaries (
    code         TEXT PRIMARY KEY,        -- GB/T 2260 code of a bundled city or county
    level        TEXT NOT NULL CHECK (level IN ('city', 'county')),
    geometry     TEXT NOT NULL,           -- GeoJSON Polygon or MultiPolygon, WGS84 lon/lat
    source       TEXT NOT NULL,           -- the file it came from
    imported_at  TEXT NOT NULL            -- ISO 8601
) STRICT;
