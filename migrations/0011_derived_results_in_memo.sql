-- Issue 15: derived results are no longer written by reads. The 一指数 results of a methodology
-- version and the control-line check are recomputed when their inputs change and kept in the
-- store's memo (src/store/memo.rs, keyed on SQLite's data version), so the tables that cached
-- them on disk, keyed on a fingerprint an edit could leave unchanged, go.
DROP TABLE index_results;
DROP TABLE index_runs;
DROP TABLE town_spatial_checks;
