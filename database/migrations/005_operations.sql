-- 005: operations. Database Health reports each OPhir table's growth since its previous run, so it keeps the last
-- size it saw per table. These are database-wide figures (sizes of whole tables, no tenant's rows), read and written
-- by the credential's login user outside any tenant transaction: no organization, no row-level security, and no
-- grant to ophir_app.
CREATE TABLE IF NOT EXISTS ophir_table_snapshots (
  table_name VARCHAR(128) PRIMARY KEY,
  live_rows BIGINT NOT NULL,
  total_bytes BIGINT NOT NULL,
  taken_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
