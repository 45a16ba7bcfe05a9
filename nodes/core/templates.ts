import { InvalidInputError, NotFoundError, OphirError } from './errors';
import { getLead } from './leads';
import { jsonObject } from './json';
import { camelCaseRow, type Page } from './rows';
import { leadRenderContext, renderMessage, templateVariables } from './templateRendering';
import type { TenantTx } from './tenantTransaction';

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

function toTemplate(row: Record<string, unknown>): Template {
	const template = camelCaseRow<Template>(row);
	template.usedVariables = templateVariables(`${template.subject}\n${template.body}`);
	return template;
}

function text(value: unknown, field: string, max?: number): string {
	const result = typeof value === 'string' ? value : '';
	if (!result.trim()) throw new InvalidInputError(field, 'a non-empty text', value);
	if (max && result.length > max) throw new InvalidInputError(field, `at most ${max} characters`, result);
	return result;
}

function defaults(value: unknown): Record<string, unknown> {
	return jsonObject(value, 'Default Values (variables)', 'an object of variable names and values');
}

/** Validates a complete template: texts present, and both parse as templates. */
function cleanTemplate(input: TemplateInput) {
	const subject = text(input.subject, 'Subject', 500);
	const body = text(input.body, 'Body');
	templateVariables(subject);
	templateVariables(body);
	return {
		name: text(input.name, 'Name', 255).trim(),
		category: input.category?.trim() ? input.category.trim().slice(0, 100) : null,
		subject,
		body,
		variables: defaults(input.variables),
		isShared: input.isShared ?? false,
	};
}

export async function createTemplate(tx: TenantTx, input: TemplateInput): Promise<Template> {
	const t = cleanTemplate(input);
	const { rows } = await tx.client.query(
		`INSERT INTO templates (organization_id, name, category, subject, body, variables, is_shared, created_by)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
		[tx.organizationId, t.name, t.category, t.subject, t.body, t.variables, t.isShared, input.createdBy || null],
	);
	return toTemplate(rows[0]);
}

export async function getTemplate(tx: TenantTx, id: string): Promise<Template> {
	const { rows } = await tx.client.query(`SELECT ${COLUMNS} FROM templates WHERE organization_id = $1 AND id = $2`, [
		tx.organizationId,
		id,
	]);
	if (rows.length === 0) throw new NotFoundError('Template', id);
	return toTemplate(rows[0]);
}

export async function listTemplates(tx: TenantTx, filter: Page & { category?: string; search?: string }): Promise<Template[]> {
	const search = filter.search?.trim() ? `%${filter.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
	const { rows } = await tx.client.query(
		`SELECT ${COLUMNS} FROM templates
		 WHERE organization_id = $1 AND ($2::text IS NULL OR category = $2)
		   AND ($3::text IS NULL OR name ILIKE $3 OR subject ILIKE $3)
		 ORDER BY name, id LIMIT $4 OFFSET $5`,
		[tx.organizationId, filter.category?.trim() || null, search, filter.limit, filter.offset],
	);
	return rows.map(toTemplate);
}

export async function updateTemplate(tx: TenantTx, id: string, patch: TemplateInput): Promise<Template> {
	const current = await getTemplate(tx, id);
	const t = cleanTemplate({
		name: patch.name ?? current.name,
		category: patch.category === undefined ? current.category : patch.category,
		subject: patch.subject ?? current.subject,
		body: patch.body ?? current.body,
		variables: patch.variables === undefined ? current.variables : patch.variables,
		isShared: patch.isShared ?? current.isShared,
	});
	const { rows } = await tx.client.query(
		`UPDATE templates SET name = $3, category = $4, subject = $5, body = $6, variables = $7, is_shared = $8
		 WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
		[tx.organizationId, id, t.name, t.category, t.subject, t.body, t.variables, t.isShared],
	);
	return toTemplate(rows[0]);
}

/** Deletes a template no campaign still uses (archived campaigns excepted). */
export async function deleteTemplate(tx: TenantTx, id: string): Promise<{ id: string; deleted: true }> {
	await getTemplate(tx, id);
	const { rows } = await tx.client.query<{ id: string; name: string }>(
		`SELECT id, name FROM campaigns
		 WHERE organization_id = $1 AND status <> 'archived'
		   AND jsonb_path_exists(config, '$.sequence[*] ? (@.templateId == $id || exists(@.variants[*] ? (@.templateId == $id)))',
		                         jsonb_build_object('id', $2::text))`,
		[tx.organizationId, id],
	);
	if (rows.length > 0) {
		throw new OphirError(
			`Template ${id} is used by campaign ${rows.map((r) => `"${r.name}" (${r.id})`).join(', ')}`,
			'Remove it from those campaigns (or archive them) first.',
		);
	}
	await tx.client.query('DELETE FROM templates WHERE organization_id = $1 AND id = $2', [tx.organizationId, id]);
	return { id, deleted: true };
}

/** Renders a stored template, or a subject and body given inline, for a stored lead or a sample lead object. */
export async function previewTemplate(
	tx: TenantTx,
	source: { templateId: string } | { subject: string; body: string },
	sample: { leadId: string } | { lead: Record<string, unknown> },
): Promise<{ subject: string; body: string; usedVariables: string[] }> {
	const template = 'templateId' in source ? await getTemplate(tx, source.templateId) : { ...source, variables: {} };
	const lead =
		'leadId' in sample
			? await getLead(tx, sample.leadId)
			: {
					id: String(sample.lead.id ?? sample.lead.email ?? 'sample'),
					email: String(sample.lead.email ?? 'sample@example.com'),
					firstName: sample.lead.firstName as string | undefined,
					lastName: sample.lead.lastName as string | undefined,
					company: sample.lead.company as string | undefined,
					data: (sample.lead.data as Record<string, unknown>) ?? {},
				};
	const rendered = renderMessage(template, leadRenderContext(lead, template.variables), lead.id);
	return { ...rendered, usedVariables: templateVariables(`${template.subject}\n${template.body}`) };
}
