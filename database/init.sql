-- OPhir Cold Email Platform: complete database schema and initial data.
-- Written to the letter of database/SPECIFICATION.md (the schema specification). Everything OPhir adds beyond the
-- specification lives in database/migrations/ and is listed in docs/database.md.
--
-- Idempotent and atomic: `psql -d ophir_db -f database/init.sql` may run any number of times (PostgreSQL 13+);
-- the whole file is one transaction, so a failure leaves nothing half created.

BEGIN;

CREATE TABLE IF NOT EXISTS organizations (
  id UUID PRIMARY KEY,
  name VARCHAR(255),
  plan_type VARCHAR(50) DEFAULT 'free',
  settings JSONB DEFAULT '{}',
  created_at TIMESTAMP,
  updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS users (
  id UUID PRIMARY KEY,
  organization_id UUID REFERENCES organizations(id),
  email VARCHAR(255) UNIQUE,
  password_hash VARCHAR(255),
  first_name VARCHAR(100),
  last_name VARCHAR(100),
  role VARCHAR(50) DEFAULT 'user',
  settings JSONB DEFAULT '{}',
  email_verified BOOLEAN DEFAULT false,
  created_at TIMESTAMP,
  updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS email_accounts (
  id UUID PRIMARY KEY,
  user_id UUID REFERENCES users(id),
  organization_id UUID REFERENCES organizations(id),
  email VARCHAR(255),
  provider VARCHAR(50), -- gmail, outlook, smtp
  credentials_encrypted TEXT,
  settings JSONB DEFAULT '{}',
  health_score INTEGER DEFAULT 100,
  warmup_status VARCHAR(50) DEFAULT 'pending',
  daily_limit INTEGER DEFAULT 50,
  current_sent_today INTEGER DEFAULT 0,
  last_sent_at TIMESTAMP,
  created_at TIMESTAMP,
  updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS campaigns (
  id UUID PRIMARY KEY,
  organization_id UUID REFERENCES organizations(id),
  name VARCHAR(255),
  status VARCHAR(50) DEFAULT 'draft',
  config JSONB, -- sequences, settings, etc.
  created_by UUID REFERENCES users(id),
  created_at TIMESTAMP,
  updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS leads (
  id UUID PRIMARY KEY,
  organization_id UUID REFERENCES organizations(id),
  campaign_id UUID REFERENCES campaigns(id),
  email VARCHAR(255),
  first_name VARCHAR(100),
  last_name VARCHAR(100),
  company VARCHAR(255),
  data JSONB DEFAULT '{}', -- custom fields
  status VARCHAR(50) DEFAULT 'active',
  tags TEXT[],
  created_at TIMESTAMP,
  updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS email_queue (
  id UUID PRIMARY KEY,
  campaign_id UUID REFERENCES campaigns(id),
  lead_id UUID REFERENCES leads(id),
  email_account_id UUID REFERENCES email_accounts(id),
  sequence_step INTEGER DEFAULT 1,
  subject VARCHAR(500),
  body TEXT,
  scheduled_at TIMESTAMP,
  status VARCHAR(50) DEFAULT 'queued',
  attempts INTEGER DEFAULT 0,
  last_attempt_at TIMESTAMP,
  error_message TEXT,
  n8n_execution_id VARCHAR(255),
  created_at TIMESTAMP,
  updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS email_activities (
  id UUID PRIMARY KEY,
  email_queue_id UUID REFERENCES email_queue(id),
  lead_id UUID REFERENCES leads(id),
  campaign_id UUID REFERENCES campaigns(id),
  event_type VARCHAR(50), -- sent, opened, clicked, replied, bounced
  timestamp TIMESTAMP,
  metadata JSONB DEFAULT '{}',
  n8n_execution_id VARCHAR(255),
  ip_address INET,
  user_agent TEXT
);

CREATE TABLE IF NOT EXISTS templates (
  id UUID PRIMARY KEY,
  organization_id UUID REFERENCES organizations(id),
  name VARCHAR(255),
  category VARCHAR(100),
  subject VARCHAR(500),
  body TEXT,
  variables JSONB DEFAULT '{}',
  is_shared BOOLEAN DEFAULT false,
  created_by UUID REFERENCES users(id),
  created_at TIMESTAMP,
  updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS n8n_executions (
  id UUID PRIMARY KEY,
  execution_id VARCHAR(255) UNIQUE,
  workflow_name VARCHAR(255),
  trigger_source VARCHAR(50),
  status VARCHAR(50), -- running, success, error, cancelled
  started_at TIMESTAMP,
  completed_at TIMESTAMP,
  metrics JSONB DEFAULT '{}',
  error_data JSONB
);

CREATE TABLE IF NOT EXISTS unsubscribes (
  id UUID PRIMARY KEY,
  organization_id UUID REFERENCES organizations(id),
  email VARCHAR(255),
  campaign_id UUID REFERENCES campaigns(id),
  reason VARCHAR(100),
  created_at TIMESTAMP
);

-- Indexes for the frequent queries the specification names ("Performance Features").
-- User lookups by email and organization (users.email is also covered by its UNIQUE constraint).
CREATE INDEX IF NOT EXISTS idx_users_email ON users(email);
CREATE INDEX IF NOT EXISTS idx_users_organization_id ON users(organization_id);
-- Campaign filtering by status and organization.
CREATE INDEX IF NOT EXISTS idx_campaigns_organization_id ON campaigns(organization_id);
CREATE INDEX IF NOT EXISTS idx_campaigns_status ON campaigns(status);
-- Lead searches by email and campaign.
CREATE INDEX IF NOT EXISTS idx_leads_email ON leads(email);
CREATE INDEX IF NOT EXISTS idx_leads_campaign_id ON leads(campaign_id);
CREATE INDEX IF NOT EXISTS idx_leads_organization_id ON leads(organization_id);
-- Email queue scheduling queries.
CREATE INDEX IF NOT EXISTS idx_email_queue_status_scheduled_at ON email_queue(status, scheduled_at);
CREATE INDEX IF NOT EXISTS idx_email_queue_campaign_id ON email_queue(campaign_id);
CREATE INDEX IF NOT EXISTS idx_email_queue_lead_id ON email_queue(lead_id);
-- Activity tracking by lead and campaign.
CREATE INDEX IF NOT EXISTS idx_email_activities_lead_id ON email_activities(lead_id);
CREATE INDEX IF NOT EXISTS idx_email_activities_campaign_id ON email_activities(campaign_id);
CREATE INDEX IF NOT EXISTS idx_email_activities_email_queue_id ON email_activities(email_queue_id);
-- N8N execution lookups (execution_id is also covered by its UNIQUE constraint).
CREATE INDEX IF NOT EXISTS idx_n8n_executions_execution_id ON n8n_executions(execution_id);
CREATE INDEX IF NOT EXISTS idx_n8n_executions_status_started_at ON n8n_executions(status, started_at);

-- Automatic timestamp updates.
CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$$ language 'plpgsql';

-- One BEFORE UPDATE trigger on every table that has updated_at. Created only when missing (CREATE OR REPLACE
-- TRIGGER needs PostgreSQL 14; dropping and re-creating would take a needless exclusive lock on every run).
DO $$
DECLARE
  table_name text;
BEGIN
  FOREACH table_name IN ARRAY ARRAY[
    'organizations', 'users', 'email_accounts', 'campaigns', 'leads', 'email_queue', 'templates'
  ] LOOP
    IF NOT EXISTS (
      SELECT 1 FROM pg_trigger
      WHERE tgname = 'update_' || table_name || '_updated_at'
        AND tgrelid = format('%I', table_name)::regclass
    ) THEN
      EXECUTE format(
        'CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()',
        'update_' || table_name || '_updated_at', table_name
      );
    END IF;
  END LOOP;
END
$$;

-- Initial data. The tenant setting lets these statements pass the row-level security policies that the
-- migrations add, so re-running this file on an installed database stays harmless.
SELECT set_config('ophir.organization_id', '00000000-0000-0000-0000-000000000001', true);

-- Default organization: the system organization for single-tenant usage.
INSERT INTO organizations (id, name, plan_type, settings, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-000000000001', 'System', 'free', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
ON CONFLICT (id) DO NOTHING;

-- Admin user. The password hash '!' is a locked marker (no bcrypt hash ever equals it), so nobody can sign in
-- with a default password; the operator sets a real one (OPhir Campaign node: User -> Set Password).
INSERT INTO users (id, organization_id, email, password_hash, first_name, last_name, role, settings,
                   email_verified, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001', 'admin@ophir.dev', '!',
        'Admin', 'User', 'admin', '{}', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
ON CONFLICT DO NOTHING;

COMMIT;
