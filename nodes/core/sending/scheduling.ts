import { wholeNumber } from '../validation/numbers';
import { campaignRotation, MailboxSchedule, type RotationEntry, SlotPlanner } from './mailboxSlots';
import { renderStep } from './stepRendering';
import { isTimeZone } from './timeZones';
import type { TenantTx } from '../db/tenantTransaction';
import {
	type ActiveCampaign,
	dueLeads,
	loadMailboxes,
	loadTemplates,
	lockActiveCampaigns,
	newLeadQuotas,
	type NewRow,
	writeBatch,
	type WrittenRow,
} from './schedulingQueries';

// Schedule Due Steps: one pass that turns every due sequence step of the organization's active campaigns into an
// email_queue row with its rendered subject and body, its mailbox and its send time. The database does the
// selection (one statement over all due leads) and the writing (one statement per batch); in between each email is
// rendered (stepRendering) and placed in time on a mailbox (mailboxSlots), in memory; the statements are in
// schedulingQueries.

export interface ScheduleOptions {
	now?: Date;
	/** Most emails written by one run. */
	limit?: number;
	executionId?: string | null;
	/** For tests: the jitter's random source, in [0, 1). */
	random?: () => number;
}

export interface CampaignScheduleResult {
	campaignId: string;
	name: string;
	scheduled: number;
	newLeads: number;
	followUps: number;
	/** Emails that could not be rendered (a missing variable or template): written as failed, with the reason. */
	failed: number;
	/** Due leads left for a later run: no mailbox had room within the next week. */
	waitingForCapacity: number;
	/** Why nothing could be scheduled at all, when that is the case. */
	problem?: string;
}

export interface ScheduleResult {
	scheduled: number;
	failed: number;
	waitingForCapacity: number;
	campaigns: CampaignScheduleResult[];
}

const WRITE_BATCH = 5000;

export async function scheduleDueSteps(tx: TenantTx, options: ScheduleOptions = {}): Promise<ScheduleResult> {
	const limit = wholeNumber(options.limit ?? 10_000, 'Max Emails per Run', 1, 200_000);
	const now = options.now ?? new Date();
	const random = options.random ?? Math.random;
	const locked = await lockActiveCampaigns(tx);
	const results = new Map<string, CampaignScheduleResult>(
		locked.map((c) => [
			c.id,
			{
				campaignId: c.id,
				name: c.name,
				scheduled: 0,
				newLeads: 0,
				followUps: 0,
				failed: 0,
				waitingForCapacity: 0,
				...('problem' in c ? { problem: c.problem } : {}),
			},
		]),
	);
	const sendable = locked.filter((c): c is ActiveCampaign => 'config' in c && c.config.sequence.length > 0);
	const [templates, mailboxes, quotas] = [
		await loadTemplates(tx, sendable),
		await loadMailboxes(tx, sendable, now),
		await newLeadQuotas(tx, sendable, now),
	];
	const byId = new Map(sendable.map((c) => [c.id, c]));
	const rotation = new Map<string, RotationEntry[]>();
	for (const campaign of sendable) {
		const own = campaign.config.accountIds.map((id) => mailboxes.get(id)).filter((m): m is MailboxSchedule => !!m);
		const { usable, problems } = campaignRotation(campaign.config.sendingWindow, own, now);
		if (usable.length === 0 && problems.length === 0)
			problems.push('no sending account is active, healthy and has a password or tokens');
		if (problems.length > 0) results.get(campaign.id)!.problem = problems.join('; ');
		rotation.set(campaign.id, usable);
	}
	const rows: NewRow[] = [];
	const planner = new SlotPlanner(now.getTime());
	const leads = await dueLeads(
		tx,
		sendable.filter((c) => rotation.get(c.id)!.length > 0),
		quotas,
		now,
		limit,
	);
	const executionId = options.executionId ?? null;
	// Each full batch is written while the next one is rendered: the database works while this process does.
	const writes: Array<Promise<WrittenRow[]>> = [];
	for (const lead of leads) {
		if (rows.length >= WRITE_BATCH) writes.push(writeBatch(tx, rows.splice(0), executionId, now));
		const campaign = byId.get(lead.campaign_id)!;
		const result = results.get(campaign.id)!;
		const rendered = renderStep(campaign.config.sequence, lead, templates);
		if ('error' in rendered) {
			const row = {
				campaignId: campaign.id,
				leadId: lead.id,
				accountId: null,
				step: lead.step,
				variant: rendered.variant,
			};
			rows.push({ ...row, subject: null, body: null, scheduledAt: now, status: 'failed', error: rendered.error });
			result.failed++;
			continue;
		}
		const zone =
			typeof lead.data?.timezone === 'string' && isTimeZone(lead.data.timezone)
				? lead.data.timezone
				: campaign.config.timezone;
		const pacing = {
			gapMs: campaign.config.minGapSeconds * 1000,
			jitterMs: campaign.config.jitterSeconds * 1000,
			random,
		};
		const booked = planner.book(campaign.id, rotation.get(campaign.id)!, zone, pacing);
		if (!booked) {
			result.waitingForCapacity++;
			continue;
		}
		rows.push({
			campaignId: campaign.id,
			leadId: lead.id,
			accountId: booked.mailboxId,
			step: lead.step,
			variant: rendered.variant,
			subject: rendered.subject,
			body: rendered.body,
			scheduledAt: new Date(booked.time),
			status: 'queued',
			error: null,
		});
	}
	if (rows.length > 0) writes.push(writeBatch(tx, rows.splice(0), executionId, now));
	for (const row of (await Promise.all(writes)).flat()) {
		const result = results.get(row.campaign_id)!;
		if (row.status === 'queued') {
			result.scheduled++;
			if (row.sequence_step === 1) result.newLeads++;
			else result.followUps++;
		}
	}
	const all = [...results.values()];
	return {
		scheduled: all.reduce((n, r) => n + r.scheduled, 0),
		failed: all.reduce((n, r) => n + r.failed, 0),
		waitingForCapacity: all.reduce((n, r) => n + r.waitingForCapacity, 0),
		campaigns: all,
	};
}
