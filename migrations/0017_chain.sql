-- Issue 17: chain definitions are data (assets/chains/*.toml, docs/chains.md). A chain and each of
-- its links get a stable code, the key an imported definition is matched on (so re-importing a
-- chain keeps the firms attached to its links), and a link may sit under a parent link
-- (集成电路 → 设计, 制造, 封装测试 …). Existing rows get codes derived from their ids.
ALTER TABLE industry_chains ADD COLUMN code TEXT;
UPDATE industry_chains SET code = 'chain' || id;
CREATE UNIQUE INDEX industry_chains_code ON industry_chains (code);

ALTER TABLE chain_links ADD COLUMN code TEXT;
UPDATE chain_links SET code = 'link' || id;
CREATE UNIQUE INDEX chain_links_code ON chain_links (chain_id, code);

ALTER TABLE chain_links ADD COLUMN parent_id INTEGER REFERENCES chain_links (id) ON DELETE CASCADE;
CREATE INDEX chain_links_parent ON chain_links (parent_id);
