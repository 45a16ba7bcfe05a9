-- 006: execution ids per organization. n8n_executions.execution_id is unique across all organizations (the
-- specification), so a plain id logged by one organization made another's Log Execution of the same id fail, and
-- told it that the id existed. Log Execution now stores `<organization id>:<execution id>`; rows logged before are
-- rewritten the same way, so later phases of the same run update them. Every row is rewritten, so no row of one
-- organization can stand in another's way: an id over 218 characters (which Log Execution no longer accepts) keeps
-- its first 185 and a hash of the whole within VARCHAR(255).

-- Every organization's rows: the forced row-level security would hide them from an owner that is not a superuser.
-- The runner applies this file in one transaction, so the policy is never off for anyone else.
ALTER TABLE n8n_executions NO FORCE ROW LEVEL SECURITY;
UPDATE n8n_executions
SET execution_id = organization_id::text || ':' ||
  CASE WHEN length(execution_id) <= 218 THEN execution_id ELSE left(execution_id, 185) || '~' || md5(execution_id) END
WHERE left(execution_id, 37) <> organization_id::text || ':';
ALTER TABLE n8n_executions FORCE ROW LEVEL SECURITY;
