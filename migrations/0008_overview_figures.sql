-- The cockpit overview (issue 2) reads eight year-end (quarter 4) indicators of every town for
-- two years, and five of them for every year. Read from indicator_values that is eight rows per
-- town and year; this table holds them as one row, so the overview at scale 10 reads 3,700 rows
-- instead of 30,000 and sums trends over 15,000 rows instead of 72,000.
--
-- Triggers keep it equal to indicator_values whoever writes there (demo, imports, edits): a row
-- exists while the town has at least one of the eight values that year, and a column is NULL
-- where the value is absent. Values are copied, never recomputed, so sums are unchanged.

CREATE TABLE town_year_figures (
    year                     INTEGER NOT NULL,
    town_id                  INTEGER NOT NULL REFERENCES towns (id) ON DELETE CASCADE,
    output                   REAL,   -- 万元
    tax                      REAL,   -- 万元
    effective_investment     REAL,   -- 万元
    high_tech_firms          REAL,
    listed_firms             REAL,
    incubated_firms          REAL,
    lead_industry_output     REAL,   -- 万元
    lead_industry_investment REAL,   -- 万元
    PRIMARY KEY (year, town_id)
) STRICT, WITHOUT ROWID;

INSERT INTO town_year_figures
SELECT year, town_id,
       MAX(iif(indicator_code = 'output', value, NULL)),
       MAX(iif(indicator_code = 'tax', value, NULL)),
       MAX(iif(indicator_code = 'effective_investment', value, NULL)),
       MAX(iif(indicator_code = 'high_tech_firms', value, NULL)),
       MAX(iif(indicator_code = 'listed_firms', value, NULL)),
       MAX(iif(indicator_code = 'incubated_firms', value, NULL)),
       MAX(iif(indicator_code = 'lead_industry_output', value, NULL)),
       MAX(iif(indicator_code = 'lead_industry_investment', value, NULL))
FROM indicator_values
WHERE quarter = 4
  AND indicator_code IN ('output', 'tax', 'effective_investment', 'high_tech_firms', 'listed_firms',
                         'incubated_firms', 'lead_industry_output', 'lead_industry_investment')
GROUP BY year, town_id;

-- A new year-end value fills its column (creating the row when needed).
CREATE TRIGGER town_year_figures_insert AFTER INSERT ON indicator_values
WHEN NEW.quarter = 4
 AND NEW.indicator_code IN ('output', 'tax', 'effective_investment', 'high_tech_firms', 'listed_firms',
                            'incubated_firms', 'lead_industry_output', 'lead_industry_investment')
BEGIN
    INSERT INTO town_year_figures (year, town_id) VALUES (NEW.year, NEW.town_id)
        ON CONFLICT (year, town_id) DO NOTHING;
    UPDATE town_year_figures SET
        output = iif(NEW.indicator_code = 'output', NEW.value, output),
        tax = iif(NEW.indicator_code = 'tax', NEW.value, tax),
        effective_investment = iif(NEW.indicator_code = 'effective_investment', NEW.value, effective_investment),
        high_tech_firms = iif(NEW.indicator_code = 'high_tech_firms', NEW.value, high_tech_firms),
        listed_firms = iif(NEW.indicator_code = 'listed_firms', NEW.value, listed_firms),
        incubated_firms = iif(NEW.indicator_code = 'incubated_firms', NEW.value, incubated_firms),
        lead_industry_output = iif(NEW.indicator_code = 'lead_industry_output', NEW.value, lead_industry_output),
        lead_industry_investment = iif(NEW.indicator_code = 'lead_industry_investment', NEW.value, lead_industry_investment)
    WHERE year = NEW.year AND town_id = NEW.town_id;
END;

-- A removed year-end value empties its column; a row with no value left goes.
CREATE TRIGGER town_year_figures_delete AFTER DELETE ON indicator_values
WHEN OLD.quarter = 4
 AND OLD.indicator_code IN ('output', 'tax', 'effective_investment', 'high_tech_firms', 'listed_firms',
                            'incubated_firms', 'lead_industry_output', 'lead_industry_investment')
BEGIN
    UPDATE town_year_figures SET
        output = iif(OLD.indicator_code = 'output', NULL, output),
        tax = iif(OLD.indicator_code = 'tax', NULL, tax),
        effective_investment = iif(OLD.indicator_code = 'effective_investment', NULL, effective_investment),
        high_tech_firms = iif(OLD.indicator_code = 'high_tech_firms', NULL, high_tech_firms),
        listed_firms = iif(OLD.indicator_code = 'listed_firms', NULL, listed_firms),
        incubated_firms = iif(OLD.indicator_code = 'incubated_firms', NULL, incubated_firms),
        lead_industry_output = iif(OLD.indicator_code = 'lead_industry_output', NULL, lead_industry_output),
        lead_industry_investment = iif(OLD.indicator_code = 'lead_industry_investment', NULL, lead_industry_investment)
    WHERE year = OLD.year AND town_id = OLD.town_id;
    DELETE FROM town_year_figures
    WHERE year = OLD.year AND town_id = OLD.town_id
      AND output IS NULL AND tax IS NULL AND effective_investment IS NULL AND high_tech_firms IS NULL
      AND listed_firms IS NULL AND incubated_firms IS NULL AND lead_industry_output IS NULL
      AND lead_industry_investment IS NULL;
END;

-- An edited value: the old one leaves, the new one arrives (the same steps as above).
CREATE TRIGGER town_year_figures_update AFTER UPDATE ON indicator_values
BEGIN
    UPDATE town_year_figures SET
        output = iif(OLD.indicator_code = 'output', NULL, output),
        tax = iif(OLD.indicator_code = 'tax', NULL, tax),
        effective_investment = iif(OLD.indicator_code = 'effective_investment', NULL, effective_investment),
        high_tech_firms = iif(OLD.indicator_code = 'high_tech_firms', NULL, high_tech_firms),
        listed_firms = iif(OLD.indicator_code = 'listed_firms', NULL, listed_firms),
        incubated_firms = iif(OLD.indicator_code = 'incubated_firms', NULL, incubated_firms),
        lead_industry_output = iif(OLD.indicator_code = 'lead_industry_output', NULL, lead_industry_output),
        lead_industry_investment = iif(OLD.indicator_code = 'lead_industry_investment', NULL, lead_industry_investment)
    WHERE OLD.quarter = 4 AND year = OLD.year AND town_id = OLD.town_id;
    INSERT INTO town_year_figures (year, town_id)
    SELECT NEW.year, NEW.town_id
    WHERE NEW.quarter = 4
      AND NEW.indicator_code IN ('output', 'tax', 'effective_investment', 'high_tech_firms', 'listed_firms',
                                 'incubated_firms', 'lead_industry_output', 'lead_industry_investment')
    ON CONFLICT (year, town_id) DO NOTHING;
    UPDATE town_year_figures SET
        output = iif(NEW.indicator_code = 'output', NEW.value, output),
        tax = iif(NEW.indicator_code = 'tax', NEW.value, tax),
        effective_investment = iif(NEW.indicator_code = 'effective_investment', NEW.value, effective_investment),
        high_tech_firms = iif(NEW.indicator_code = 'high_tech_firms', NEW.value, high_tech_firms),
        listed_firms = iif(NEW.indicator_code = 'listed_firms', NEW.value, listed_firms),
        incubated_firms = iif(NEW.indicator_code = 'incubated_firms', NEW.value, incubated_firms),
        lead_industry_output = iif(NEW.indicator_code = 'lead_industry_output', NEW.value, lead_industry_output),
        lead_industry_investment = iif(NEW.indicator_code = 'lead_industry_investment', NEW.value, lead_industry_investment)
    WHERE NEW.quarter = 4 AND year = NEW.year AND town_id = NEW.town_id;
    DELETE FROM town_year_figures
    WHERE year = OLD.year AND town_id = OLD.town_id
      AND output IS NULL AND tax IS NULL AND effective_investment IS NULL AND high_tech_firms IS NULL
      AND listed_firms IS NULL AND incubated_firms IS NULL AND lead_industry_output IS NULL
      AND lead_industry_investment IS NULL;
END;
