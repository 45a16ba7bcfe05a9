-- 003: what the sending engine (OPhir Queue) needs: idempotent scheduling, leased claims with fencing, message
-- threading, each lead's place in its sequence, and per-account daily counters in the account's own time zone.

-- The queue. One row per (campaign, lead, step): scheduling twice, or from two workers, creates nothing twice.
ALTER TABLE email_queue ADD COLUMN IF NOT EXISTS variant VARCHAR(50);
ALTER TABLE email_queue ADD COLUMN IF NOT EXISTS message_id VARCHAR(255);
ALTER TABLE email_queue ADD COLUMN IF NOT EXISTS sent_at TIMESTAMP;
-- A claim leases the row until lease_expires_at; lease_token changes with every attempt, and only the holder of the
-- current token may complete or fail it (a worker whose lease expired cannot overwrite the newer attempt).
ALTER TABLE email_queue ADD COLUMN IF NOT EXISTS lease_token UUID;
ALTER TABLE email_queue ADD COLUMN IF NOT EXISTS lease_expires_at TIMESTAMP;
CREATE UNIQUE INDEX IF NOT EXISTS uq_email_queue_campaign_lead_step ON email_queue (campaign_id, lead_id, sequence_step);
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'email_queue_status_check') THEN
    ALTER TABLE email_queue ADD CONSTRAINT email_queue_status_check
      CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled'));
  END IF;
END
$$;
-- Claims and scheduling: an account's due and in-flight rows in time order (the sent history stays out of it); and
-- the in-flight rows alone, per account (what a claim subtracts from its capacity) and by lease expiry, so that
-- neither grows with the number of queued emails.
CREATE INDEX IF NOT EXISTS idx_email_queue_due ON email_queue (email_account_id, scheduled_at) WHERE status IN ('queued', 'sending');
CREATE INDEX IF NOT EXISTS idx_email_queue_leased ON email_queue (email_account_id, lease_expires_at) WHERE status = 'sending';
-- The daily cap of new leads counts first steps scheduled today.
CREATE INDEX IF NOT EXISTS idx_email_queue_campaign_step_created ON email_queue (campaign_id, sequence_step, created_at);

-- A lead's place in its campaign's sequence: the last step sent (0: none yet) and when. The next step is due at
-- last_step_sent_at (or the lead's creation) + its delay, unless it is queued already (the unique key above): so
-- scheduling writes only the queue, and sending moves the lead on.
ALTER TABLE leads ADD COLUMN IF NOT EXISTS sequence_position INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN IF NOT EXISTS last_step_sent_at TIMESTAMP;
CREATE INDEX IF NOT EXISTS idx_leads_awaiting_step ON leads (organization_id, campaign_id, created_at) WHERE status = 'active';

-- Stop rules look up a lead's clicks.
CREATE INDEX IF NOT EXISTS idx_email_activities_lead_event ON email_activities (lead_id, event_type);

-- current_sent_today counts the sends of counter_date, the account's local day (settings.timezone, default UTC).
ALTER TABLE email_accounts ADD COLUMN IF NOT EXISTS counter_date DATE;

-- The local calendar day of a stored (UTC) timestamp in a time zone.
CREATE OR REPLACE FUNCTION ophir_local_date(zone TEXT, at TIMESTAMP) RETURNS DATE
  LANGUAGE sql STABLE AS $$ SELECT ((at AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(NULLIF(zone, ''), 'UTC'))::date $$;

-- How many emails an account may send on the day of `at`: its daily limit, or during warm-up
-- min(daily limit, start volume + days warming * daily increment); an account not yet warming sends the start volume.
-- Days of warm-up are the account's local days, as its daily counter's are.
CREATE OR REPLACE FUNCTION ophir_account_capacity(daily_limit INTEGER, warmup_status TEXT, settings JSONB, at TIMESTAMP)
  RETURNS INTEGER LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN warmup_status = 'warming' THEN LEAST(COALESCE(daily_limit, 50),
      COALESCE((settings #>> '{warmup,startVolume}')::int, 5) + COALESCE((settings #>> '{warmup,dailyIncrement}')::int, 5)
        * GREATEST(0, ophir_local_date(settings ->> 'timezone', at) - ophir_local_date(settings ->> 'timezone',
            COALESCE((settings #>> '{warmup,startedAt}')::timestamptz AT TIME ZONE 'UTC', at))))
    WHEN warmup_status = 'pending' THEN LEAST(COALESCE(daily_limit, 50), COALESCE((settings #>> '{warmup,startVolume}')::int, 5))
    ELSE COALESCE(daily_limit, 50)
  END $$;

-- What the account has sent on its local day of `at` (the counter of an earlier day counts as zero).
CREATE OR REPLACE FUNCTION ophir_account_sent_today(current_sent_today INTEGER, counter_date DATE, settings JSONB, at TIMESTAMP)
  RETURNS INTEGER LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN counter_date = ophir_local_date(settings ->> 'timezone', at) THEN COALESCE(current_sent_today, 0) ELSE 0 END $$;
