-- The overview reads the eight year-end figures of every town for two years as JSON text. Rendering
-- thousands of REALs to text on every read was most of its time at demo scale 10, so each row of
-- town_year_figures also keeps its figures rendered once, when written, by the same json_array()
-- the read used (the values the overview computes with are unchanged, bit for bit).
--
-- Trends sum five of the figures over every town and year; the covering index lets that scan
-- skip the wide rows, in the same (year, town_id) order as before.

ALTER TABLE town_year_figures ADD COLUMN figures_json TEXT;

UPDATE town_year_figures SET figures_json = json_array(
    output, tax, effective_investment, high_tech_firms, listed_firms, incubated_firms,
    lead_industry_output, lead_industry_investment);

-- Whoever writes the figures (the triggers of 0008), the rendering follows.
CREATE TRIGGER town_year_figures_render_insert AFTER INSERT ON town_year_figures
BEGIN
    UPDATE town_year_figures SET figures_json = json_array(
        output, tax, effective_investment, high_tech_firms, listed_firms, incubated_firms,
        lead_industry_output, lead_industry_investment)
    WHERE year = NEW.year AND town_id = NEW.town_id;
END;

CREATE TRIGGER town_year_figures_render_update AFTER UPDATE OF
    output, tax, effective_investment, high_tech_firms, listed_firms, incubated_firms,
    lead_industry_output, lead_industry_investment ON town_year_figures
BEGIN
    UPDATE town_year_figures SET figures_json = json_array(
        output, tax, effective_investment, high_tech_firms, listed_firms, incubated_firms,
        lead_industry_output, lead_industry_investment)
    WHERE year = NEW.year AND town_id = NEW.town_id;
END;

CREATE INDEX town_year_figures_trends ON town_year_figures (
    year, town_id, output, tax, effective_investment, high_tech_firms, listed_firms);
