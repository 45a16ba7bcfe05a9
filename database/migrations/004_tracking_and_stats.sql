-- 004: tracking and statistics: per-email first human open/click, idempotent event ids, and campaign counters kept
-- by the database itself in the same transaction as every event.

-- The first human open and click of each email: a repeated open is still an event, but counts once as unique.
ALTER TABLE email_queue ADD COLUMN IF NOT EXISTS first_opened_at TIMESTAMP;
ALTER TABLE email_queue ADD COLUMN IF NOT EXISTS first_clicked_at TIMESTAMP;
-- Threading replies to what we sent.
CREATE INDEX IF NOT EXISTS idx_email_queue_message_id ON email_queue (message_id) WHERE message_id IS NOT NULL;

-- Record Event is idempotent on the caller's event id (an ESP webhook delivered twice counts once).
CREATE UNIQUE INDEX IF NOT EXISTS uq_email_activities_event_id ON email_activities (organization_id, (metadata ->> 'eventId'))
  WHERE metadata ? 'eventId';
CREATE INDEX IF NOT EXISTS idx_email_activities_campaign_time ON email_activities (campaign_id, timestamp);

-- Counters per campaign, UTC day, step, variant and mailbox. Campaign Stats reads these, never a COUNT over all
-- activities. email_account_id and variant use '00000000-0000-0000-0000-000000000000' and '' for "none".
CREATE TABLE IF NOT EXISTS campaign_stats_daily (
  organization_id UUID NOT NULL REFERENCES organizations(id) DEFAULT ophir_current_organization_id(),
  campaign_id UUID NOT NULL REFERENCES campaigns(id),
  day DATE NOT NULL,
  sequence_step INTEGER NOT NULL DEFAULT 0,
  variant VARCHAR(50) NOT NULL DEFAULT '',
  email_account_id UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
  sent INTEGER NOT NULL DEFAULT 0,
  opens INTEGER NOT NULL DEFAULT 0,
  unique_opens INTEGER NOT NULL DEFAULT 0,
  machine_opens INTEGER NOT NULL DEFAULT 0,
  clicks INTEGER NOT NULL DEFAULT 0,
  unique_clicks INTEGER NOT NULL DEFAULT 0,
  machine_clicks INTEGER NOT NULL DEFAULT 0,
  replies INTEGER NOT NULL DEFAULT 0,
  hard_bounces INTEGER NOT NULL DEFAULT 0,
  soft_bounces INTEGER NOT NULL DEFAULT 0,
  unsubscribes INTEGER NOT NULL DEFAULT 0,
  complaints INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, day, sequence_step, variant, email_account_id)
);
CREATE INDEX IF NOT EXISTS idx_campaign_stats_daily_organization_day ON campaign_stats_daily (organization_id, day);
CREATE INDEX IF NOT EXISTS idx_campaign_stats_daily_account_day ON campaign_stats_daily (email_account_id, day);
GRANT SELECT, INSERT, UPDATE, DELETE ON campaign_stats_daily TO ophir_app;
ALTER TABLE campaign_stats_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_stats_daily FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON campaign_stats_daily;
CREATE POLICY tenant_isolation ON campaign_stats_daily USING (organization_id = ophir_current_organization_id())
  WITH CHECK (organization_id = ophir_current_organization_id());

-- Every inserted activity counts, whoever inserts it (sending, tracking, inbound mail, Record Event), in its
-- transaction: one statement-level pass per INSERT, grouped, whatever the number of rows. metadata carries the
-- qualifiers: machine (any value: not a person), unique (the first human open/click of its email), bounceType.
CREATE OR REPLACE FUNCTION ophir_count_activities() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO campaign_stats_daily AS s (organization_id, campaign_id, day, sequence_step, variant, email_account_id,
    sent, opens, unique_opens, machine_opens, clicks, unique_clicks, machine_clicks, replies, hard_bounces, soft_bounces,
    unsubscribes, complaints)
  SELECT a.organization_id, a.campaign_id, a.timestamp::date, COALESCE(q.sequence_step, 0), COALESCE(q.variant, ''),
    COALESCE(q.email_account_id, '00000000-0000-0000-0000-000000000000'),
    count(*) FILTER (WHERE a.event_type = 'sent'),
    count(*) FILTER (WHERE a.event_type = 'opened' AND NOT a.metadata ? 'machine'),
    count(*) FILTER (WHERE a.event_type = 'opened' AND NOT a.metadata ? 'machine' AND (a.metadata ->> 'unique')::boolean),
    count(*) FILTER (WHERE a.event_type = 'opened' AND a.metadata ? 'machine'),
    count(*) FILTER (WHERE a.event_type = 'clicked' AND NOT a.metadata ? 'machine'),
    count(*) FILTER (WHERE a.event_type = 'clicked' AND NOT a.metadata ? 'machine' AND (a.metadata ->> 'unique')::boolean),
    count(*) FILTER (WHERE a.event_type = 'clicked' AND a.metadata ? 'machine'),
    count(*) FILTER (WHERE a.event_type = 'replied'),
    count(*) FILTER (WHERE a.event_type = 'bounced' AND COALESCE(a.metadata ->> 'bounceType', 'hard') = 'hard'),
    count(*) FILTER (WHERE a.event_type = 'bounced' AND a.metadata ->> 'bounceType' = 'soft'),
    count(*) FILTER (WHERE a.event_type = 'unsubscribed'),
    count(*) FILTER (WHERE a.event_type = 'complained')
  FROM inserted a LEFT JOIN email_queue q ON q.id = a.email_queue_id
  WHERE a.campaign_id IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (campaign_id, day, sequence_step, variant, email_account_id) DO UPDATE SET
    sent = s.sent + EXCLUDED.sent, opens = s.opens + EXCLUDED.opens, unique_opens = s.unique_opens + EXCLUDED.unique_opens,
    machine_opens = s.machine_opens + EXCLUDED.machine_opens, clicks = s.clicks + EXCLUDED.clicks,
    unique_clicks = s.unique_clicks + EXCLUDED.unique_clicks, machine_clicks = s.machine_clicks + EXCLUDED.machine_clicks,
    replies = s.replies + EXCLUDED.replies, hard_bounces = s.hard_bounces + EXCLUDED.hard_bounces,
    soft_bounces = s.soft_bounces + EXCLUDED.soft_bounces, unsubscribes = s.unsubscribes + EXCLUDED.unsubscribes,
    complaints = s.complaints + EXCLUDED.complaints;
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS count_activities ON email_activities;
CREATE TRIGGER count_activities AFTER INSERT ON email_activities
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ophir_count_activities();
