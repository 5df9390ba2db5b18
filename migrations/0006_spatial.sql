-- 一图 (issue 6): control-line layers and their polygons, and the spatial check results.
-- Geometry is GeoJSON (Polygon or MultiPolygon) in WGS84 longitude/latitude; the bounding box
-- columns let a reader fetch only what a view needs. Importing a layer replaces the layer of
-- that kind, so each kind has at most one current layer.

CREATE TABLE control_layers (
    kind         TEXT PRIMARY KEY CHECK (kind IN ('redline', 'farmland', 'urban')),
    name         TEXT NOT NULL,            -- 生态保护红线 / 永久基本农田 / 城镇开发边界
    source       TEXT NOT NULL,            -- file it came from, or 示例数据
    imported_at  TEXT NOT NULL,            -- ISO 8601
    is_demo      INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1))
) STRICT;

CREATE TABLE control_polygons (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL REFERENCES control_layers (kind) ON DELETE CASCADE,
    feature   INTEGER NOT NULL,            -- 1-based feature number in the source file
    geometry  TEXT NOT NULL,
    area_km2  REAL NOT NULL CHECK (area_km2 >= 0),
    min_lon   REAL NOT NULL,
    min_lat   REAL NOT NULL,
    max_lon   REAL NOT NULL,
    max_lat   REAL NOT NULL,
    is_demo   INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1))
) STRICT;
CREATE INDEX control_polygons_kind ON control_polygons (kind);

-- The latest `map check` per town; read by warnings and the town code's colour.
CREATE TABLE town_spatial_checks (
    town_id              INTEGER PRIMARY KEY REFERENCES towns (id) ON DELETE CASCADE,
    area_km2             REAL NOT NULL,
    over_area_limit      INTEGER NOT NULL CHECK (over_area_limit IN (0, 1)),   -- named town > 5 km²
    redline_km2          REAL,                     -- NULL when the layer is not loaded
    redline_share        REAL,
    farmland_km2         REAL,
    farmland_share       REAL,
    urban_outside_km2    REAL,                     -- part outside the urban development boundary
    urban_outside_share  REAL,
    overlapping_towns    INTEGER NOT NULL DEFAULT 0,
    flags                TEXT NOT NULL,            -- JSON array of Chinese flag texts
    checked_at           TEXT NOT NULL,
    is_demo              INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1))
) STRICT;
