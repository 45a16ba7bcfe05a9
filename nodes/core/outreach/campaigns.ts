import { type CampaignConfig, parseCampaignConfig } from './campaignConfig';
import { ConflictError, NotFoundError } from '../validation/errors';
import { requireUuid } from '../validation/ids';
import { anyOf, camelCaseRow, checkedPage, type Page } from '../validation/rows';
import type { TenantTx } from '../db/tenantTransaction';
import { requiredText } from '../validation/text';
import { requireQuota } from './quotas';
import { organizationUserId } from './users';

export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'completed', 'archived'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export interface Campaign {
	id: string;
	organizationId: string;
	name: string;
	status: CampaignStatus;
	config: CampaignConfig;
	createdBy: string | null;
	createdAt: string;
	updatedAt: string;
}

const COLUMNS = 'id, organization_id, name, status, config, created_by, created_at, updated_at';

/** A campaigns row as COLUMNS selects it. */
interface CampaignRow {
	id: string;
	organization_id: string;
	name: string;
	status: CampaignStatus;
	config: CampaignConfig;
	created_by: string | null;
	created_at: Date;
	updated_at: Date;
}

function toCampaign(row: CampaignRow): Campaign {
	return camelCaseRow<Campaign>(row);
}

/** A campaign name as campaigns.name (VARCHAR(255)) holds it. */
const campaignName = (raw: unknown) => requiredText(raw, 'Name', 255);

export async function createCampaign(
	tx: TenantTx,
	input: { name: string; config?: unknown; createdBy?: string },
): Promise<Campaign> {
	const name = campaignName(input.name);
	const config = parseCampaignConfig(input.config);
	const createdBy = await organizationUserId(tx, input.createdBy, 'Created By');
	const { rows } = await tx.query<CampaignRow>(
		`INSERT INTO campaigns (organization_id, name, status, config, created_by)
		 VALUES ($1, $2, 'draft', $3, $4) RETURNING ${COLUMNS}`,
		[tx.organizationId, name, config, createdBy],
	);
	return toCampaign(rows[0]);
}

export async function getCampaign(tx: TenantTx, id: string, { forUpdate = false } = {}): Promise<Campaign> {
	const { rows } = await tx.query<CampaignRow>(
		`SELECT ${COLUMNS} FROM campaigns WHERE organization_id = $1 AND id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`,
		[tx.organizationId, requireUuid(id, 'Campaign ID')],
	);
	if (rows.length === 0) throw new NotFoundError('Campaign', id);
	return toCampaign(rows[0]);
}

export async function listCampaigns(
	tx: TenantTx,
	{ status, ...paging }: Page & { status?: CampaignStatus | CampaignStatus[] },
): Promise<Campaign[]> {
	const { limit, offset } = checkedPage(paging);
	const { rows } = await tx.query<CampaignRow>(
		`SELECT ${COLUMNS} FROM campaigns
		 WHERE organization_id = $1 AND ($2::text[] IS NULL OR status = ANY($2))
		 ORDER BY created_at DESC, id LIMIT $3 OFFSET $4`,
		[tx.organizationId, anyOf(status), limit, offset],
	);
	return rows.map(toCampaign);
}

/** Renames and/or changes settings; top-level config keys given replace the stored ones (arrays whole). */
export async function updateCampaign(
	tx: TenantTx,
	id: string,
	patch: { name?: string; config?: Record<string, unknown> },
): Promise<Campaign> {
	const current = await getCampaign(tx, id, { forUpdate: true });
	if (current.status === 'archived') throw new ConflictError(`Campaign ${id} is archived and can no longer change`);
	const name = patch.name === undefined ? current.name : campaignName(patch.name);
	const config = patch.config ? parseCampaignConfig({ ...current.config, ...patch.config }) : current.config;
	if (current.status === 'active') await assertReadyToSend(tx, config);
	const { rows } = await tx.query<CampaignRow>(
		`UPDATE campaigns SET name = $3, config = $4 WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
		[tx.organizationId, id, name, config],
	);
	return toCampaign(rows[0]);
}

export type CampaignAction = 'activate' | 'pause' | 'resume' | 'complete' | 'archive';

/** Which statuses each action may start from, and where it leads. */
const TRANSITIONS: Record<CampaignAction, { from: CampaignStatus[]; to: CampaignStatus }> = {
	activate: { from: ['draft'], to: 'active' },
	pause: { from: ['active'], to: 'paused' },
	resume: { from: ['paused'], to: 'active' },
	complete: { from: ['active', 'paused'], to: 'completed' },
	archive: { from: ['draft', 'paused', 'completed'], to: 'archived' },
};

export async function transitionCampaign(tx: TenantTx, id: string, action: CampaignAction): Promise<Campaign> {
	const campaign = await getCampaign(tx, id, { forUpdate: true });
	const { from, to } = TRANSITIONS[action];
	if (!from.includes(campaign.status)) {
		const allowed = from.join(' or ');
		throw new ConflictError(
			`Cannot ${action} campaign ${id}: it is ${campaign.status}, and only ${/^[aeiou]/.test(allowed) ? 'an' : 'a'} ${allowed} campaign can be ${to === 'active' && action === 'resume' ? 'resumed' : `moved to ${to}`}`,
		);
	}
	if (to === 'active') {
		await assertReadyToSend(tx, campaign.config);
		await requireQuota(tx, 'maxActiveCampaigns', 1);
	}
	const { rows } = await tx.query<CampaignRow>(
		`UPDATE campaigns SET status = $3 WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
		[tx.organizationId, id, to],
	);
	// A campaign that stops sending leaves nothing queued behind it.
	if (to === 'completed' || to === 'archived') {
		await tx.query(
			`UPDATE email_queue SET status = 'cancelled', error_message = $3
			 WHERE organization_id = $1 AND campaign_id = $2 AND status = 'queued'`,
			[tx.organizationId, id, `campaign ${to}`],
		);
	}
	return toCampaign(rows[0]);
}

/** What a campaign needs before it may send: steps, mailboxes of this organization, a sender's postal address. */
async function assertReadyToSend(tx: TenantTx, config: CampaignConfig): Promise<void> {
	const problems: string[] = [];
	if (config.sequence.length === 0) problems.push('it has no sequence step (config.sequence)');
	if (config.accountIds.length === 0) problems.push('it has no sending account (config.accountIds)');
	if (!config.postalAddress?.trim()) {
		problems.push('the sender’s postal address is missing (config.postalAddress; required by CAN-SPAM)');
	}
	const templateIds = config.sequence
		.flatMap((s) => [s.templateId, ...(s.variants ?? []).map((v) => v.templateId)])
		.filter(Boolean);
	// Share-lock what the campaign relies on, so a concurrent delete of a mailbox or template waits for this commit.
	await tx.query('SELECT 1 FROM email_accounts WHERE organization_id = $1 AND id = ANY($2::uuid[]) FOR SHARE', [
		tx.organizationId,
		config.accountIds,
	]);
	await tx.query('SELECT 1 FROM templates WHERE organization_id = $1 AND id = ANY($2::uuid[]) FOR SHARE', [
		tx.organizationId,
		templateIds,
	]);
	const { rows } = await tx.query<{ missing_accounts: string[]; missing_templates: string[] }>(
		`SELECT
		   ARRAY(SELECT a FROM unnest($2::uuid[]) a
		         WHERE NOT EXISTS (SELECT 1 FROM email_accounts e WHERE e.organization_id = $1 AND e.id = a)) AS missing_accounts,
		   ARRAY(SELECT t FROM unnest($3::uuid[]) t
		         WHERE NOT EXISTS (SELECT 1 FROM templates m WHERE m.organization_id = $1 AND m.id = t)) AS missing_templates`,
		[tx.organizationId, config.accountIds, templateIds],
	);
	if (rows[0].missing_accounts.length)
		problems.push(`unknown sending accounts: ${rows[0].missing_accounts.join(', ')}`);
	if (rows[0].missing_templates.length) problems.push(`unknown templates: ${rows[0].missing_templates.join(', ')}`);
	if (problems.length) throw new ConflictError(`The campaign cannot send yet: ${problems.join('; ')}`);
}

/** Deletes a draft and the leads imported into it (a draft has sent nothing, so there is no history to keep). */
export async function deleteCampaign(tx: TenantTx, id: string): Promise<{ id: string; deletedLeads: number }> {
	const campaign = await getCampaign(tx, id, { forUpdate: true });
	if (campaign.status !== 'draft') {
		throw new ConflictError(
			`Cannot delete campaign ${id}: it is ${campaign.status}; only drafts can be deleted (archive it instead)`,
		);
	}
	const params = [tx.organizationId, id];
	await tx.query(`DELETE FROM email_activities WHERE organization_id = $1 AND campaign_id = $2`, params);
	await tx.query(`DELETE FROM campaign_stats_daily WHERE organization_id = $1 AND campaign_id = $2`, params);
	await tx.query(`DELETE FROM email_queue WHERE organization_id = $1 AND campaign_id = $2`, params);
	await tx.query(`UPDATE unsubscribes SET campaign_id = NULL WHERE organization_id = $1 AND campaign_id = $2`, params);
	const leads = await tx.query(`DELETE FROM leads WHERE organization_id = $1 AND campaign_id = $2`, params);
	await tx.query(`DELETE FROM campaigns WHERE organization_id = $1 AND id = $2`, params);
	return { id, deletedLeads: leads.rowCount };
}
