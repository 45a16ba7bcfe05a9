/**
 * What the campaign settings fields (settings.ts) stand for: the config JSON mode would give, checked by the same
 * schema, and errors that name the fields a refused config was set in.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { CampaignConfig } from '../../../core/outreach';
import { OphirError } from '../../../core/validation';
import type { ItemParameters } from '../../../shared/parameters';
import { CONFIG_PATHS, mainFields, optionFields, type SettingName, stepsField, variantsField } from './settings';

type Value = IDataObject[string];

/** An empty text field means "not set": the schema's default (or the mailbox's sender name) applies. */
const textOrUnset = (value: Value) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** How a field's value becomes its config value, where it is not the value itself. */
const READERS: Partial<Record<SettingName, (value: Value) => Value>> = {
	steps: (value) => entries(value, 'step').map(stepFrom),
	postalAddress: textOrUnset,
	fromName: textOrUnset,
	unsubscribeText: textOrUnset,
	dailyNewLeadsCap: (value) => (value === 0 ? undefined : value),
};

/** The entries of a fixedCollection with multiple values ({ step: [...] }). */
function entries(value: Value, key: string): IDataObject[] {
	const list = (value as IDataObject | undefined)?.[key];
	return Array.isArray(list) ? (list as IDataObject[]) : [];
}

function contentFrom(entry: IDataObject): IDataObject {
	switch (entry.content) {
		case 'template':
			return { templateId: entry.templateId };
		case 'abTest':
			return {
				variants: entries(entry.variants, 'variant').map((variant) => ({
					name: textOrUnset(variant.name),
					weight: variant.weight,
					...contentFrom(variant),
				})),
			};
		default:
			return { subject: entry.subject, body: entry.body };
	}
}

function stepFrom(step: IDataObject): IDataObject {
	const { delayDays, delayHours, delayMinutes } = step;
	return { delayDays, delayHours, delayMinutes, ...contentFrom(step) };
}

/**
 * The config the fields' values (as n8n hands them over, by field name) stand for: the keys JSON mode would give.
 * Only fields present are mapped; a nested setting (sending window, stop rules, tracking) is merged onto `stored`,
 * the campaign's current config on Update, so changing the end hour keeps the weekdays.
 */
export function configFromFields(values: IDataObject, stored?: CampaignConfig): IDataObject {
	const config: IDataObject = {};
	for (const [name, [key, subKey]] of Object.entries(CONFIG_PATHS) as Array<[SettingName, [string, string?]]>) {
		if (values[name] === undefined) continue;
		const value = READERS[name] ? READERS[name](values[name]) : values[name];
		const base = (config[key] ?? stored?.[key as keyof CampaignConfig]) as IDataObject | undefined;
		config[key] = subKey ? { ...base, [subKey]: value } : value;
	}
	return config;
}

/** The config Create's fields stand for. */
export function configOfCreateFields(params: ItemParameters): IDataObject {
	const main = Object.fromEntries(mainFields.map(({ name }) => [name, params.raw(name)]));
	return configFromFields({ ...params.collection('options'), ...main });
}

/** Display names by config path ("sendingWindow.endHour"), and of the steps' and variants' keys ("delayDays"). */
const FIELD_NAMES: Record<string, string> = Object.fromEntries(
	[...mainFields, ...optionFields].map((field) => [
		CONFIG_PATHS[field.name as SettingName].join('.'),
		field.displayName,
	]),
);
const STEP_FIELD_NAMES: Record<string, string> = Object.fromEntries(
	[...stepsField.options!, ...variantsField.options!].flatMap((option) =>
		(option as { values: INodeProperties[] }).values.map((field) => [field.name, field.displayName]),
	),
);

/** The field a config path (as the schema reports it, e.g. config.sequence[1].delayDays) is set in. */
function fieldOf(path: string): string | undefined {
	const step = /^sequence\[(\d+)\](?:\.variants\[(\d+)\])?(?:\.(\w+))?/.exec(path);
	// An entry of a list (config.accountIds[0]) is set in the list's field.
	if (!step) return FIELD_NAMES[path.replace(/\[\d+\]$/, '')];
	const [, stepIndex, variantIndex, key] = step;
	return [
		stepsField.displayName,
		`Step ${Number(stepIndex) + 1}`,
		...(variantIndex === undefined ? [] : [`Variant ${Number(variantIndex) + 1}`]),
		...(key ? [STEP_FIELD_NAMES[key] ?? key] : []),
	].join(' › ');
}

/**
 * The error of a create or update from fields: a config the schema refuses (a plain OphirError naming config paths)
 * gets the fields those paths are set in as its description, since whoever filled in fields never saw the keys.
 */
function namingFieldsOf(error: unknown): unknown {
	if (!(error instanceof OphirError) || error.name !== 'OphirError') return error;
	const fields = [...error.message.matchAll(/\bconfig\.([\w.[\]]+)/g)].flatMap(([, path]) => fieldOf(path) ?? []);
	return fields.length === 0 ? error : new OphirError(error.message, `Check ${[...new Set(fields)].join('; ')}`);
}

/** `work` (a create or update from fields), failing with the fields a refused config names. */
export function namingFields<T>(work: Promise<T>): Promise<T> {
	return work.catch((error: unknown) => {
		throw namingFieldsOf(error);
	});
}
