-- 002: what campaign management needs: one lead per address per campaign, the suppression list, mailbox state,
-- and the system organization administering the others.

-- One lead per normalized address per campaign of an organization (and per organization for leads without a
-- campaign): the key of lead upserts and bulk imports. Expression, not NULLS NOT DISTINCT, for PostgreSQL 13.
CREATE UNIQUE INDEX IF NOT EXISTS uq_leads_organization_campaign_email
  ON leads (organization_id, (COALESCE(campaign_id, '00000000-0000-0000-0000-000000000000'::uuid)), email);

-- unsubscribes is the organization's suppression list: a whole address (scope 'email') or every address of a
-- domain (scope 'domain', the domain in the email column). It applies to every campaign of the organization.
ALTER TABLE unsubscribes ADD COLUMN IF NOT EXISTS scope VARCHAR(10) NOT NULL DEFAULT 'email';
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'unsubscribes_scope_check') THEN
    ALTER TABLE unsubscribes ADD CONSTRAINT unsubscribes_scope_check CHECK (scope IN ('email', 'domain'));
  END IF;
END
$$;
UPDATE unsubscribes SET email = lower(trim(email)) WHERE email <> lower(trim(email));
DELETE FROM unsubscribes u USING unsubscribes older
WHERE u.organization_id = older.organization_id AND u.scope = older.scope AND u.email = older.email
  AND (u.created_at, u.id::text) > (older.created_at, older.id::text);
DROP INDEX IF EXISTS idx_unsubscribes_organization_id_email;
CREATE UNIQUE INDEX IF NOT EXISTS uq_unsubscribes_organization_scope_email ON unsubscribes (organization_id, scope, email);

-- Mailboxes: one per address in an organization; paused ones (by a user, or by OPhir after an authentication
-- failure or a bounce spike) send nothing, with the reason kept.
CREATE UNIQUE INDEX IF NOT EXISTS uq_email_accounts_organization_email ON email_accounts (organization_id, email);
ALTER TABLE email_accounts ADD COLUMN IF NOT EXISTS status VARCHAR(20) NOT NULL DEFAULT 'active';
ALTER TABLE email_accounts ADD COLUMN IF NOT EXISTS paused_reason TEXT;

-- The system organization administers the platform: it may list, create and rename organizations. Other
-- organizations still see only themselves (policies are permissive: either one admits a row).
GRANT INSERT ON organizations TO ophir_app;
DROP POLICY IF EXISTS platform_admin ON organizations;
CREATE POLICY platform_admin ON organizations
  USING (ophir_current_organization_id() = '00000000-0000-0000-0000-000000000001')
  WITH CHECK (ophir_current_organization_id() = '00000000-0000-0000-0000-000000000001');
