import { z } from 'zod';

import { OphirError } from '../validation/errors';
import { isUuid } from '../validation/ids';
import { parseJson } from '../validation/json';
import { DEFAULT_SENDING_WINDOW, END_HOURS, hoursInOrder, START_HOURS, WEEKDAYS } from '../sending/sendingWindow';
import { isTimeZone } from '../sending/timeZones';
import { assertStorableJson } from '../validation/text';

/**
 * The shape of campaigns.config: the sequence and every sending rule of a campaign. Parsing fills in defaults
 * and reports every problem with its path (e.g. `config.sequence[1].delayDays must be >= 0`).
 */
const uuid = z.string().refine(isUuid, 'must be a UUID');
const wholeNumber = (min: number, max?: number) => {
	const base = z
		.number({ invalid_type_error: 'must be a number' })
		.int('must be a whole number')
		.min(min, `must be >= ${min}`);
	return max === undefined ? base : base.max(max, `must be <= ${max}`);
};

const timeZone = z.string().refine(isTimeZone, 'must be an IANA time zone such as America/New_York');

const content = {
	subject: z.string().min(1, 'must not be empty').max(500, 'must be at most 500 characters').optional(),
	body: z.string().min(1, 'must not be empty').optional(),
	templateId: uuid.optional(),
};

function requireContent(value: { subject?: string; body?: string; templateId?: string }, ctx: z.RefinementCtx) {
	if (value.templateId) return;
	if (!value.subject)
		ctx.addIssue({ code: 'custom', path: ['subject'], message: 'is required (or give a templateId)' });
	if (!value.body) ctx.addIssue({ code: 'custom', path: ['body'], message: 'is required (or give a templateId)' });
}

const variant = z
	.object({
		name: z.string().max(50, 'must be at most 50 characters').optional(),
		weight: z.number({ invalid_type_error: 'must be a number' }).positive('must be > 0').default(1),
		...content,
	})
	.strict()
	.superRefine(requireContent);

const step = z
	.object({
		delayDays: wholeNumber(0).default(0),
		delayHours: wholeNumber(0).default(0),
		delayMinutes: wholeNumber(0).default(0),
		...content,
		variants: z.array(variant).min(2, 'must list at least two variants, or none').optional(),
	})
	.strict()
	.superRefine((value, ctx) => {
		if (!value.variants) requireContent(value, ctx);
	});

const sendingWindow = z
	.object({
		weekdays: z
			.array(z.enum(WEEKDAYS, { errorMap: () => ({ message: `must be one of ${WEEKDAYS.join(', ')}` }) }))
			.min(1, 'must name at least one day')
			.default(() => [...DEFAULT_SENDING_WINDOW.weekdays]),
		startHour: wholeNumber(START_HOURS.min, START_HOURS.max).default(DEFAULT_SENDING_WINDOW.startHour),
		endHour: wholeNumber(END_HOURS.min, END_HOURS.max).default(DEFAULT_SENDING_WINDOW.endHour),
	})
	.strict()
	.refine((w) => hoursInOrder(w.startHour, w.endHour), { path: ['endHour'], message: 'must be after startHour' });

export const campaignConfigSchema = z
	.object({
		sequence: z.array(step).default([]),
		timezone: timeZone.default('UTC'),
		sendingWindow: sendingWindow.default({}),
		dailyNewLeadsCap: wholeNumber(1).optional(),
		minGapSeconds: wholeNumber(0).default(120),
		jitterSeconds: wholeNumber(0).default(60),
		accountIds: z.array(uuid).default([]),
		stopRules: z
			.object({ onReply: z.boolean().default(true), onClick: z.boolean().default(false) })
			.strict()
			.default({}),
		tracking: z
			.object({
				opens: z.boolean().default(true),
				clicks: z.boolean().default(true),
				returnPath: z.boolean().default(false),
			})
			.strict()
			.default({}),
		fromName: z.string().max(100, 'must be at most 100 characters').optional(),
		unsubscribeText: z.string().max(500, 'must be at most 500 characters').default('Unsubscribe from these emails'),
		postalAddress: z.string().max(500, 'must be at most 500 characters').optional(),
	})
	.strict();

export type CampaignConfig = z.infer<typeof campaignConfigSchema>;
export type CampaignConfigInput = z.input<typeof campaignConfigSchema>;

function pathOf(path: Array<string | number>): string {
	return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${key}`), 'config');
}

/** Validates and completes a campaign configuration; throws one error listing every problem with its path. */
export function parseCampaignConfig(raw: unknown): CampaignConfig {
	const input = typeof raw === 'string' ? (raw.trim() === '' ? {} : parseJson(raw, 'Config')) : (raw ?? {});
	const result = campaignConfigSchema.safeParse(input);
	if (result.success) {
		assertStorableJson(result.data, 'Config');
		return result.data;
	}
	const problems = result.error.issues.map((issue) => {
		if (issue.code === 'unrecognized_keys') {
			return issue.keys.map((key) => `${pathOf([...issue.path, key])} is not a known setting`).join('; ');
		}
		if (issue.code === 'invalid_type' && issue.received === 'undefined') return `${pathOf(issue.path)} is required`;
		return `${pathOf(issue.path)} ${issue.message}`;
	});
	throw new OphirError(`Invalid campaign config: ${problems.join('; ')}`);
}

/** Total delay of a step after the previous one, in minutes. */
export function stepDelayMinutes(s: CampaignConfig['sequence'][number]): number {
	return s.delayDays * 1440 + s.delayHours * 60 + s.delayMinutes;
}
