/**
 * A campaign's settings as n8n fields, the alternative to writing its config as JSON: each setting is defined once
 * (Create shows it at the top or under Options, Update in its Update Fields); settingsConfig.ts turns the values
 * into the config JSON mode takes, so one schema (core/outreach/campaignConfig.ts) checks both.
 */
import type { IDataObject, INodeProperties, INodePropertyOptions, NodeParameterValueType } from 'n8n-workflow';

import { type CampaignConfig, parseCampaignConfig } from '../../../core/outreach';
import { END_HOURS, START_HOURS, WEEKDAYS, type Weekday } from '../../../core/sending';
import { UUID_EXAMPLE } from '../../../core/validation';
import { FROM_VERSION_2, listedRecords, shownOnly, VERSION_1 } from '../../../shared/locators';
import { HTML_TEXT, HTML_TEXT_LINE } from '../../../shared/nodeDescription';
import type { ItemParameters } from '../../../shared/parameters';

/** "Define Settings": fields, or the config as JSON (version 1 knows only JSON). */
export const settingsModeField: INodeProperties = {
	displayName: 'Define Settings',
	name: 'settingsMode',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Advanced: JSON',
			value: 'json',
			description: 'Write the config as JSON, e.g. to paste one that Get returned',
		},
		{ name: 'Using Fields', value: 'fields', description: 'Fill in each setting' },
	],
	default: 'fields',
	displayOptions: { show: FROM_VERSION_2 },
};

const FIELDS_MODE = { ...FROM_VERSION_2, settingsMode: ['fields'] };

/** A field of JSON mode: shown to version 1, which knows nothing else, and to version 2 when JSON is chosen. */
export function jsonModeFields(field: INodeProperties): INodeProperties[] {
	return [shownOnly(field, VERSION_1), shownOnly(field, { ...FROM_VERSION_2, settingsMode: ['json'] })];
}

/** Whether the item's settings are given as JSON: chosen in version 2, the only way in version 1. */
export function settingsAsJson(params: ItemParameters): boolean {
	return params.raw<string>('settingsMode', 'json') === 'json';
}

/** Where each setting field's value goes in the config: a key, or [key, sub-key] of a nested setting. */
export const CONFIG_PATHS = {
	steps: ['sequence'],
	accountIds: ['accountIds'],
	timezone: ['timezone'],
	postalAddress: ['postalAddress'],
	weekdays: ['sendingWindow', 'weekdays'],
	startHour: ['sendingWindow', 'startHour'],
	endHour: ['sendingWindow', 'endHour'],
	dailyNewLeadsCap: ['dailyNewLeadsCap'],
	minGapSeconds: ['minGapSeconds'],
	jitterSeconds: ['jitterSeconds'],
	stopOnReply: ['stopRules', 'onReply'],
	stopOnClick: ['stopRules', 'onClick'],
	trackOpens: ['tracking', 'opens'],
	trackClicks: ['tracking', 'clicks'],
	returnPath: ['tracking', 'returnPath'],
	fromName: ['fromName'],
	unsubscribeText: ['unsubscribeText'],
} satisfies Record<string, [keyof CampaignConfig, string?]>;

export type SettingName = keyof typeof CONFIG_PATHS;

/** What the schema fills in: a config with nothing set, and a step with two bare A/B variants. */
const DEFAULTS = parseCampaignConfig({});
const DEFAULT_STEP = parseCampaignConfig({
	sequence: [{ variants: [{ templateId: UUID_EXAMPLE }, { templateId: UUID_EXAMPLE }] }],
}).sequence[0];

/** A setting field's default: the schema's, so a field starts where a config without the setting would be. */
function schemaDefault(name: SettingName): NodeParameterValueType {
	const [key, subKey] = CONFIG_PATHS[name] as [keyof CampaignConfig, string?];
	return (subKey ? (DEFAULTS[key] as IDataObject)[subKey] : DEFAULTS[key]) as NodeParameterValueType;
}

function stepDefault(key: 'delayDays' | 'delayHours' | 'delayMinutes' | 'weight'): number {
	return key === 'weight' ? DEFAULT_STEP.variants![0].weight : DEFAULT_STEP[key];
}

const PLACEHOLDERS =
	'Filled in per lead: {{firstName}}, {{company}} or any custom field; {{fallback firstName "there"}} when it may be missing';

const contentFields: INodeProperties[] = [
	{
		displayName: 'Subject',
		name: 'subject',
		type: 'string',
		typeOptions: HTML_TEXT_LINE,
		required: true,
		default: '',
		placeholder: 'e.g. Quick question, {{fallback firstName "there"}}',
		description: 'The subject line; {Hi|Hello} picks one of the options per lead',
		hint: PLACEHOLDERS,
		displayOptions: { show: { content: ['write'] } },
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'string',
		typeOptions: HTML_TEXT,
		required: true,
		default: '',
		placeholder: '<p>Hi {{fallback firstName "there"}},</p>',
		description: 'HTML or plain text; the unsubscribe link and the postal address are added below it',
		hint: PLACEHOLDERS,
		displayOptions: { show: { content: ['write'] } },
	},
	{
		...listedRecords('template', {
			name: 'templateId',
			displayName: 'Template Name or ID',
			description: 'The saved template to send',
		}),
		required: true,
		displayOptions: { show: { content: ['template'] } },
	},
];

const WRITE: INodePropertyOptions = {
	name: 'Write Here',
	value: 'write',
	description: 'Write the subject and body here',
};
const TEMPLATE: INodePropertyOptions = {
	name: 'Use Template',
	value: 'template',
	description: 'Send a saved OPhir template',
};

/** How a step or variant gives its email; its content fields show for the choice. */
function contentChoice(options: INodePropertyOptions[]): INodeProperties {
	return { displayName: 'Content', name: 'content', type: 'options', options, default: 'write' };
}

// Step and variant fields are named like the config keys they set (delayDays, subject, templateId, weight, ...).
export const variantsField: INodeProperties = {
	displayName: 'Variants',
	name: 'variants',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	placeholder: 'Add Variant',
	default: {},
	description: 'At least two versions of this email; each lead gets one, picked by weight',
	displayOptions: { show: { content: ['abTest'] } },
	options: [
		{
			displayName: 'Variant',
			name: 'variant',
			values: [
				{
					displayName: 'Name',
					name: 'name',
					type: 'string',
					default: '',
					placeholder: 'e.g. A',
					description: 'A label that tells the variants apart in the results',
				},
				{
					displayName: 'Weight',
					name: 'weight',
					type: 'number',
					typeOptions: { minValue: 0.01 },
					default: stepDefault('weight'),
					description: 'Share of leads that get this variant, relative to the others (2 is twice as many as 1)',
				},
				contentChoice([TEMPLATE, WRITE]),
				...contentFields,
			],
		},
	],
};

function waitField(unit: 'Days' | 'Hours' | 'Minutes'): INodeProperties {
	return {
		displayName: `Wait (${unit})`,
		name: `delay${unit}`,
		type: 'number',
		typeOptions: { minValue: 0 },
		default: stepDefault(`delay${unit}`),
		description: `${unit} to wait after the previous step; the first step's wait counts from when the lead was added`,
	};
}

export const stepsField: INodeProperties = {
	displayName: 'Steps',
	name: 'steps',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true, sortable: true },
	placeholder: 'Add Step',
	default: {},
	description: 'The emails of the sequence, in the order they are sent',
	options: [
		{
			displayName: 'Step',
			name: 'step',
			values: [
				waitField('Days'),
				waitField('Hours'),
				waitField('Minutes'),
				contentChoice([
					{ name: 'A/B Test', value: 'abTest', description: 'Send versions of the email and compare them' },
					TEMPLATE,
					WRITE,
				]),
				...contentFields,
				variantsField,
			],
		},
	],
};

const DAY_NAMES: Record<Weekday, string> = {
	mon: 'Monday',
	tue: 'Tuesday',
	wed: 'Wednesday',
	thu: 'Thursday',
	fri: 'Friday',
	sat: 'Saturday',
	sun: 'Sunday',
};

/** Whole hours from..to as options ("09:00"). */
function hourOptions({ min, max }: { min: number; max: number }): INodePropertyOptions[] {
	return Array.from({ length: max - min + 1 }, (_, i) => min + i).map((hour) => ({
		name: `${String(hour).padStart(2, '0')}:00`,
		value: hour,
	}));
}

/** The settings Create shows at the top (in this order): what most campaigns set. */
export const mainFields: INodeProperties[] = [
	stepsField,
	listedRecords(
		'emailAccount',
		{
			name: 'accountIds',
			displayName: 'Mailbox Names or IDs',
			description: 'The mailboxes that send the campaign, taking turns; at least one to activate it',
		},
		{ multiple: true },
	),
	{
		displayName: 'Time Zone',
		name: 'timezone',
		type: 'options',
		options: [...new Set([...Intl.supportedValuesOf('timeZone'), 'UTC'])]
			.sort()
			.map((zone) => ({ name: zone, value: zone })),
		default: schemaDefault('timezone'),
		description: 'The zone of the sending days and hours',
	},
	{
		displayName: 'Postal Address',
		name: 'postalAddress',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		placeholder: 'e.g. 1 Main Street, Springfield, IL 62701, USA',
		hint: 'Required to activate the campaign: the law (CAN-SPAM) asks for the sender’s postal address, and it is shown in the footer of every email',
	},
];

/**
 * The settings Create offers under Options; Update offers them with the others. n8n's lint wants literal booleans as
 * defaults: a test checks that they, like every default here, are the schema's.
 */
export const optionFields: INodeProperties[] = [
	{
		displayName: 'Sending Days',
		name: 'weekdays',
		type: 'multiOptions',
		// In week order, as a calendar shows them.
		options: WEEKDAYS.map((day) => ({ name: DAY_NAMES[day], value: day })),
		default: [...DEFAULTS.sendingWindow.weekdays],
		description: 'Days on which emails go out, in the campaign’s time zone',
	},
	{
		displayName: 'Start Hour',
		name: 'startHour',
		type: 'options',
		options: hourOptions(START_HOURS),
		default: schemaDefault('startHour'),
		description: 'Emails go out from this hour on, in the campaign’s time zone',
	},
	{
		displayName: 'End Hour',
		name: 'endHour',
		type: 'options',
		options: hourOptions(END_HOURS),
		default: schemaDefault('endHour'),
		description: 'Emails go out until this hour (24:00 is midnight); it must be after the start hour',
	},
	{
		displayName: 'Daily New Leads Cap',
		name: 'dailyNewLeadsCap',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Most leads that start the sequence per day (follow-ups of earlier leads still go out); 0 for no cap',
	},
	{
		displayName: 'Min Gap (Seconds)',
		name: 'minGapSeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: schemaDefault('minGapSeconds'),
		description: 'Least time between two emails from the same mailbox',
	},
	{
		displayName: 'Jitter (Seconds)',
		name: 'jitterSeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: schemaDefault('jitterSeconds'),
		description: 'A random extra wait of up to this many seconds after each gap, so sends do not look machine-timed',
	},
	{
		displayName: 'Stop on Reply',
		name: 'stopOnReply',
		type: 'boolean',
		default: true,
		description: 'Whether a lead who replies gets no further steps',
	},
	{
		displayName: 'Stop on Click',
		name: 'stopOnClick',
		type: 'boolean',
		default: false,
		description: 'Whether a lead who clicks a link gets no further steps',
	},
	{
		displayName: 'Track Opens',
		name: 'trackOpens',
		type: 'boolean',
		default: true,
		description: 'Whether to add an invisible image that records when an email is opened',
	},
	{
		displayName: 'Track Clicks',
		name: 'trackClicks',
		type: 'boolean',
		default: true,
		description: 'Whether to send links through the tracking webhook to record clicks',
	},
	{
		displayName: 'Signed Return Path',
		name: 'returnPath',
		type: 'boolean',
		default: false,
		description:
			'Whether to send from a signed envelope sender (mailbox+b…@domain, From unchanged) so a bounce tells which email it is about; only when the mailbox’s SMTP server accepts plus addresses and delivers them to its inbox',
	},
	{
		displayName: 'Sender Name',
		name: 'fromName',
		type: 'string',
		default: '',
		placeholder: 'e.g. Ada from Analytical',
		description: 'The name shown as the sender; empty uses the mailbox’s own',
	},
	{
		displayName: 'Unsubscribe Text',
		name: 'unsubscribeText',
		type: 'string',
		default: schemaDefault('unsubscribeText'),
		description: 'The text of the unsubscribe link in the footer of every email',
	},
];

/** A collection's options as n8n lists them: alphabetically. */
function byDisplayName(fields: INodeProperties[]): INodeProperties[] {
	return [...fields].sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/** Update's option to rename a campaign, in both modes. */
export const nameOption: INodeProperties = { displayName: 'Name', name: 'name', type: 'string', default: '' };

/** Create's fields in fields mode: the main settings, then Options. */
export const createSettingsFields: INodeProperties[] = [
	...mainFields,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: byDisplayName(optionFields),
	} satisfies INodeProperties,
].map((field) => shownOnly(field, FIELDS_MODE));

/** On Update a list replaces the stored list whole: said where such a list is offered. */
const REPLACES_WHOLE: Partial<Record<SettingName, string>> = {
	steps: 'Replaces every step of the campaign: give them all, in order',
	accountIds: 'Replaces the campaign’s mailboxes: pick every mailbox that should send',
};

/** Update's "Update Fields" in fields mode: the name and every setting, each changed only when added. */
export const updateSettingsField: INodeProperties = {
	displayName: 'Update Fields',
	name: 'updateFields',
	type: 'collection',
	placeholder: 'Add Field',
	default: {},
	options: byDisplayName([
		nameOption,
		...mainFields.map((field) => {
			const replaces = REPLACES_WHOLE[field.name as SettingName];
			return replaces ? { ...field, hint: replaces } : field;
		}),
		...optionFields,
	]),
	displayOptions: { show: FIELDS_MODE },
};
