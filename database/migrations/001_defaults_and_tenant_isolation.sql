-- 001: generated keys and timestamps, an organization on every tenant-owned row, and row-level security.
--
-- Tenancy lives in the database, not only in code: each OPhir transaction runs as the non-superuser role
-- ophir_app with the transaction-local setting ophir.organization_id, and FORCE ROW LEVEL SECURITY makes the
-- policies apply to the tables' owner too. Without the setting a transaction sees no tenant rows at all.

-- Keys and timestamps the specification leaves to the application.
ALTER TABLE organizations ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP, ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE users ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP, ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE email_accounts ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP, ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE campaigns ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP, ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE leads ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP, ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE email_queue ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP, ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE email_activities ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ALTER COLUMN timestamp SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE templates ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP, ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE n8n_executions ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ALTER COLUMN started_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE unsubscribes ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP;

-- The organization a transaction acts for; NULL when none is set (an empty string is what a reset custom
-- setting reads as). A plain SQL function so the planner inlines it and policies can use indexes.
CREATE OR REPLACE FUNCTION ophir_current_organization_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('ophir.organization_id', true), '')::uuid $$;

-- Queue rows, activities and execution logs are reached through campaigns in the specification; a direct
-- organization column lets their policies (and hot queries) avoid a join per row.
ALTER TABLE email_queue ADD COLUMN IF NOT EXISTS organization_id UUID REFERENCES organizations(id);
ALTER TABLE email_activities ADD COLUMN IF NOT EXISTS organization_id UUID REFERENCES organizations(id);
ALTER TABLE n8n_executions ADD COLUMN IF NOT EXISTS organization_id UUID REFERENCES organizations(id);

UPDATE email_queue q SET organization_id = c.organization_id
FROM campaigns c WHERE q.campaign_id = c.id AND q.organization_id IS NULL;
UPDATE email_activities a SET organization_id = c.organization_id
FROM campaigns c WHERE a.campaign_id = c.id AND a.organization_id IS NULL;
UPDATE n8n_executions SET organization_id = '00000000-0000-0000-0000-000000000001' WHERE organization_id IS NULL;

-- Every tenant-owned row belongs to exactly one organization; new rows default to the acting one.
DO $$
DECLARE
  table_name text;
BEGIN
  FOREACH table_name IN ARRAY ARRAY[
    'users', 'email_accounts', 'campaigns', 'leads', 'email_queue', 'email_activities', 'templates',
    'n8n_executions', 'unsubscribes'
  ] LOOP
    EXECUTE format('ALTER TABLE %I ALTER COLUMN organization_id SET DEFAULT ophir_current_organization_id()',
                   table_name);
  END LOOP;
END
$$;
ALTER TABLE email_queue ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE email_activities ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE n8n_executions ALTER COLUMN organization_id SET NOT NULL;

CREATE INDEX IF NOT EXISTS idx_email_queue_organization_id ON email_queue(organization_id);
CREATE INDEX IF NOT EXISTS idx_email_activities_organization_id ON email_activities(organization_id);
CREATE INDEX IF NOT EXISTS idx_n8n_executions_organization_id ON n8n_executions(organization_id);
CREATE INDEX IF NOT EXISTS idx_email_accounts_organization_id ON email_accounts(organization_id);
CREATE INDEX IF NOT EXISTS idx_templates_organization_id ON templates(organization_id);
CREATE INDEX IF NOT EXISTS idx_unsubscribes_organization_id_email ON unsubscribes(organization_id, email);

-- The role OPhir's transactions run as. Roles are cluster-wide, so several OPhir databases (or two workers
-- migrating at once) may race to create it: losing that race is fine.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ophir_app') THEN
    CREATE ROLE ophir_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;
-- The login user must be allowed to SET ROLE ophir_app (implicit for superusers).
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'ophir_app', 'MEMBER') THEN
    EXECUTE format('GRANT ophir_app TO %I', current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO ophir_app;
GRANT SELECT, UPDATE ON organizations TO ophir_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, email_accounts, campaigns, leads, email_queue, email_activities,
  templates, n8n_executions, unsubscribes TO ophir_app;

DO $$
DECLARE
  table_name text;
  key_column text;
BEGIN
  FOREACH table_name IN ARRAY ARRAY[
    'organizations', 'users', 'email_accounts', 'campaigns', 'leads', 'email_queue', 'email_activities',
    'templates', 'n8n_executions', 'unsubscribes'
  ] LOOP
    key_column := CASE WHEN table_name = 'organizations' THEN 'id' ELSE 'organization_id' END;
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', table_name);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', table_name);
    EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', table_name);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I USING (%I = ophir_current_organization_id()) '
      'WITH CHECK (%I = ophir_current_organization_id())',
      table_name, key_column, key_column
    );
  END LOOP;
END
$$;
