-- 007: platform mode. One credential acting for the system organization runs every organization's work, each in its
-- own tenant transaction; the operator sets each organization's quotas, and each organization may sign its tracking
-- links with a tracking secret of its own.

-- Quotas: NULL is "no limit". Only the platform operator (the system organization) writes them; an organization
-- reads its own, since its own transactions enforce them.
CREATE TABLE IF NOT EXISTS organization_quotas (
  organization_id UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
  max_email_accounts INTEGER CHECK (max_email_accounts >= 0),
  max_emails_per_day INTEGER CHECK (max_emails_per_day >= 0),
  max_active_campaigns INTEGER CHECK (max_active_campaigns >= 0),
  max_leads INTEGER CHECK (max_leads >= 0),
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Tracking secrets of an organization, sealed with the credential's encryption key (the secret box). The newest
-- one not retired signs; a retired one still verifies the links already sent until valid_until.
CREATE TABLE IF NOT EXISTS organization_tracking_secrets (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  secret_encrypted TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  retired_at TIMESTAMP,
  valid_until TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_organization_tracking_secrets_organization
  ON organization_tracking_secrets (organization_id, created_at DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON organization_quotas, organization_tracking_secrets TO ophir_app;

ALTER TABLE organization_quotas ENABLE ROW LEVEL SECURITY;
ALTER TABLE organization_quotas FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_read ON organization_quotas;
CREATE POLICY tenant_read ON organization_quotas FOR SELECT
  USING (organization_id = ophir_current_organization_id());
DROP POLICY IF EXISTS platform_admin ON organization_quotas;
CREATE POLICY platform_admin ON organization_quotas
  USING (ophir_current_organization_id() = '00000000-0000-0000-0000-000000000001')
  WITH CHECK (ophir_current_organization_id() = '00000000-0000-0000-0000-000000000001');

-- An organization's tracking secrets are its own: the operator rotates a client's inside that client's transaction.
ALTER TABLE organization_tracking_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE organization_tracking_secrets FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON organization_tracking_secrets;
CREATE POLICY tenant_isolation ON organization_tracking_secrets
  USING (organization_id = ophir_current_organization_id())
  WITH CHECK (organization_id = ophir_current_organization_id());
