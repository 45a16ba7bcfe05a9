import { ConflictError, InvalidInputError, NotFoundError } from '../validation/errors';
import { requireUuid } from '../validation/ids';
import { getLead } from './leads';
import { jsonObject } from '../validation/json';
import { camelCaseRow, checkedPage, type Page } from '../validation/rows';
import { leadRenderContext, renderMessage, templateVariables } from '../sending/templateRendering';
import type { TenantTx } from '../db/tenantTransaction';
import { containsPattern, optionalText, requiredText, storableJsonObject } from '../validation/text';
import { organizationUserId } from './users';

/** A reusable subject and body. `variables` holds default values for variables a lead leaves blank. */
export interface Template {
	id: string;
	name: string;
	category: string | null;
	subject: string;
	body: string;
	variables: Record<string, unknown>;
	isShared: boolean;
	createdBy: string | null;
	createdAt: string;
	updatedAt: string;
	usedVariables: string[];
}

export interface TemplateInput {
	name?: string;
	category?: string | null;
	subject?: string;
	body?: string;
	variables?: unknown;
	isShared?: boolean;
	createdBy?: string | null;
}

const COLUMNS = 'id, name, category, subject, body, variables, is_shared, created_by, created_at, updated_at';

/** A templates row as COLUMNS selects it. */
interface TemplateRow {
	id: string;
	name: string;
	category: string | null;
	subject: string;
	body: string;
	variables: Record<string, unknown>;
	is_shared: boolean;
	created_by: string | null;
	created_at: Date;
	updated_at: Date;
}

/** The variables of a subject and a body, each checked on its own (a spintax group never spans both). */
function usedVariables(subject: string, body: string): string[] {
	return [...new Set([...templateVariables(subject, 'Subject'), ...templateVariables(body, 'Body')])].sort();
}

function toTemplate(row: TemplateRow): Template {
	const template = camelCaseRow<Template>(row);
	// A row written before templates were checked (or by hand) may not parse: it must stay readable, so that
	// it can be fixed or deleted; rendering it still reports the syntax error.
	try {
		template.usedVariables = usedVariables(template.subject ?? '', template.body ?? '');
	} catch {
		template.usedVariables = [];
	}
	return template;
}

function defaults(value: unknown): Record<string, unknown> {
	return storableJsonObject(value, 'Default Values (variables)', 'an object of variable names and values');
}

/** Validates a complete template: texts present and within their columns, and both parse as templates. */
function cleanTemplate(input: TemplateInput) {
	const name = requiredText(input.name, 'Name', 255);
	const subject = requiredText(input.subject, 'Subject', 500);
	// The body is HTML: its surrounding whitespace is kept as written.
	const body = requiredText(input.body, 'Body', undefined, { trim: false });
	usedVariables(subject, body);
	if (input.isShared != null && typeof input.isShared !== 'boolean') {
		throw new InvalidInputError('Shared', 'true or false', input.isShared);
	}
	return {
		name,
		category: optionalText(input.category, 'Category', 100),
		subject,
		body,
		variables: defaults(input.variables),
		isShared: input.isShared ?? false,
	};
}

export async function createTemplate(tx: TenantTx, input: TemplateInput): Promise<Template> {
	const t = cleanTemplate(input);
	const createdBy = await organizationUserId(tx, input.createdBy, 'Created By');
	const { rows } = await tx.query<TemplateRow>(
		`INSERT INTO templates (organization_id, name, category, subject, body, variables, is_shared, created_by)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
		[tx.organizationId, t.name, t.category, t.subject, t.body, t.variables, t.isShared, createdBy],
	);
	return toTemplate(rows[0]);
}

export async function getTemplate(tx: TenantTx, id: string, { forUpdate = false } = {}): Promise<Template> {
	const { rows } = await tx.query<TemplateRow>(
		`SELECT ${COLUMNS} FROM templates WHERE organization_id = $1 AND id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`,
		[tx.organizationId, requireUuid(id, 'Template ID')],
	);
	if (rows.length === 0) throw new NotFoundError('Template', id);
	return toTemplate(rows[0]);
}

export async function listTemplates(
	tx: TenantTx,
	filter: Page & { category?: string; search?: string },
): Promise<Template[]> {
	const { limit, offset } = checkedPage(filter);
	const search = containsPattern(filter.search);
	const { rows } = await tx.query<TemplateRow>(
		`SELECT ${COLUMNS} FROM templates
		 WHERE organization_id = $1 AND ($2::text IS NULL OR category = $2)
		   AND ($3::text IS NULL OR name ILIKE $3 OR subject ILIKE $3)
		 ORDER BY name, id LIMIT $4 OFFSET $5`,
		[tx.organizationId, filter.category?.trim() || null, search, limit, offset],
	);
	return rows.map(toTemplate);
}

export async function updateTemplate(tx: TenantTx, id: string, patch: TemplateInput): Promise<Template> {
	// Locked: a concurrent patch must apply on top of this one, not overwrite it with what it read before.
	const current = await getTemplate(tx, id, { forUpdate: true });
	const t = cleanTemplate({
		name: patch.name ?? current.name,
		category: patch.category === undefined ? current.category : patch.category,
		subject: patch.subject ?? current.subject,
		body: patch.body ?? current.body,
		variables: patch.variables === undefined ? current.variables : patch.variables,
		isShared: patch.isShared ?? current.isShared,
	});
	const { rows } = await tx.query<TemplateRow>(
		`UPDATE templates SET name = $3, category = $4, subject = $5, body = $6, variables = $7, is_shared = $8
		 WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
		[tx.organizationId, id, t.name, t.category, t.subject, t.body, t.variables, t.isShared],
	);
	return toTemplate(rows[0]);
}

/** Deletes a template no campaign still uses (archived campaigns excepted: they never send again). */
export async function deleteTemplate(tx: TenantTx, id: string): Promise<{ id: string; deleted: true }> {
	const template = await getTemplate(tx, id, { forUpdate: true });
	// Campaign configs hold template ids as typed; PostgreSQL reads a UUID in any case, so compare lower-cased.
	const { rows } = await tx.query<{ id: string; name: string }>(
		`SELECT c.id, c.name FROM campaigns c
		 WHERE c.organization_id = $1 AND c.status <> 'archived'
		   AND EXISTS (SELECT 1 FROM jsonb_path_query(c.config, 'lax $.sequence[*].templateId') AS t(id)
		               WHERE lower(t.id #>> '{}') = $2
		               UNION ALL
		               SELECT 1 FROM jsonb_path_query(c.config, 'lax $.sequence[*].variants[*].templateId') AS v(id)
		               WHERE lower(v.id #>> '{}') = $2)
		 ORDER BY c.name, c.id`,
		[tx.organizationId, template.id],
	);
	if (rows.length > 0) {
		throw new ConflictError(
			`Template ${id} is used by campaign${rows.length > 1 ? 's' : ''} ${rows.map((r) => `"${r.name}" (${r.id})`).join(', ')}`,
			'Remove it from those campaigns (or archive them) first.',
		);
	}
	await tx.query('DELETE FROM templates WHERE organization_id = $1 AND id = $2', [tx.organizationId, template.id]);
	return { id, deleted: true };
}

/** The lead fields of an inline sample, read the way a stored lead's columns and data are. */
function sampleLead(lead: Record<string, unknown>) {
	const field = (value: unknown) => (value === undefined || value === null ? undefined : String(value));
	return {
		id: String(lead.id ?? lead.email ?? 'sample'),
		email: String(lead.email ?? 'sample@example.com'),
		firstName: field(lead.firstName),
		lastName: field(lead.lastName),
		company: field(lead.company),
		data: jsonObject(lead.data, 'Sample lead data', 'an object of field names and values'),
	};
}

/**
 * Renders a stored template, or a subject and body given inline, for a stored lead or a sample lead object.
 * The spintax seed is the lead's id, as when sending, so the preview shows the choices that lead gets.
 */
export async function previewTemplate(
	tx: TenantTx,
	source: { templateId: string } | { subject: string; body: string },
	sample: { leadId: string } | { lead: Record<string, unknown> },
): Promise<{ subject: string; body: string; usedVariables: string[] }> {
	let template: { subject: string; body: string; variables: Record<string, unknown> };
	if ('templateId' in source) template = await getTemplate(tx, source.templateId);
	else {
		const body = requiredText(source.body, 'Body', undefined, { trim: false });
		template = { subject: requiredText(source.subject, 'Subject', 500), body, variables: {} };
	}
	const variables = usedVariables(template.subject, template.body);
	const lead = 'leadId' in sample ? await getLead(tx, sample.leadId) : sampleLead(sample.lead);
	const rendered = renderMessage(template, leadRenderContext(lead, template.variables), lead.id);
	return { ...rendered, usedVariables: variables };
}
