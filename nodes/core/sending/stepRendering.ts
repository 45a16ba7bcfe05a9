import { createHash } from 'node:crypto';

import type { CampaignConfig } from '../outreach/campaignConfig';
import { leadRenderContext, renderMessage } from './templateRendering';

// A due sequence step's content for one lead, as the scheduler writes it to the queue: the lead's variant of the
// step (the same one on every run), its template or inline subject and body, rendered. Pure (no I/O).

/** email_queue.subject is VARCHAR(500). */
const MAX_SUBJECT_LENGTH = 500;

/** A stored template, as a step that names it renders it. */
export interface StepTemplate {
	subject: string;
	body: string;
	variables: Record<string, unknown>;
}

/** The lead's fields a step renders with, and the step (1-based) that is due. */
export interface LeadToRender {
	id: string;
	email: string;
	first_name: string | null;
	last_name: string | null;
	company: string | null;
	data: Record<string, unknown> | null;
	step: number;
}

/** A deterministic pick by weight: the same lead always gets the same variant of a step. */
function pickVariant<T extends { weight: number }>(
	variants: T[],
	leadId: string,
	step: number,
): { variant: T; index: number } {
	const total = variants.reduce((sum, v) => sum + v.weight, 0);
	const point = (createHash('sha256').update(`${leadId}:${step}`).digest().readUInt32BE(0) / 2 ** 32) * total;
	let reached = 0;
	for (let index = 0; index < variants.length; index++) {
		reached += variants[index].weight;
		if (point < reached) return { variant: variants[index], index };
	}
	return { variant: variants[variants.length - 1], index: variants.length - 1 };
}

/** The subject and body of a lead's step (its variant's, or its template's), rendered; or why it cannot be. */
export function renderStep(
	sequence: CampaignConfig['sequence'],
	lead: LeadToRender,
	templates: Map<string, StepTemplate>,
): { subject: string; body: string; variant: string | null } | { error: string; variant: string | null } {
	const step = sequence[lead.step - 1];
	let content: { subject?: string; body?: string; templateId?: string } = step;
	let variant: string | null = null;
	if (step.variants) {
		const picked = pickVariant(step.variants, lead.id, lead.step);
		content = picked.variant;
		variant = picked.variant.name ?? String.fromCharCode(65 + picked.index);
	}
	const template = content.templateId ? templates.get(content.templateId) : undefined;
	if (content.templateId && !template) return { error: `Template ${content.templateId} no longer exists`, variant };
	try {
		const rendered = renderMessage(
			template ?? { subject: content.subject!, body: content.body! },
			leadRenderContext(
				{
					email: lead.email,
					firstName: lead.first_name,
					lastName: lead.last_name,
					company: lead.company,
					data: lead.data,
				},
				template?.variables,
			),
			lead.id,
		);
		if ([...rendered.subject].length > MAX_SUBJECT_LENGTH) {
			return { error: `The rendered subject is longer than ${MAX_SUBJECT_LENGTH} characters`, variant };
		}
		return { ...rendered, variant };
	} catch (error) {
		return { error: (error as Error).message, variant };
	}
}
