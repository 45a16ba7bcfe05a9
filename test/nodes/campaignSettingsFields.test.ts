import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { OphirError } from '../../nodes/core/validation';
import { parseCampaignConfig } from '../../nodes/core/outreach';
import { createSettingsFields, updateSettingsField } from '../../nodes/OphirCampaign/actions/campaign/settings';
import { configFromFields, namingFields } from '../../nodes/OphirCampaign/actions/campaign/settingsConfig';
import { CONFIG_DEFAULTS } from '../support/outreach';

/** configFromFields on the values n8n hands over: the config JSON mode would take, checked by the same schema. */
describe('campaign settings fields', () => {
	const TEMPLATE = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
	const MAILBOX = '0b3f4a52-8a4b-4c8e-9d59-3a4e5f0e2a11';

	const fieldsOf = (fields: INodeProperties[]) => Object.fromEntries(fields.map((field) => [field.name, field]));
	const createFields = fieldsOf(createSettingsFields);
	const stepValues = fieldsOf((createFields.steps.options![0] as { values: INodeProperties[] }).values);
	const variantValues = fieldsOf((stepValues.variants.options![0] as { values: INodeProperties[] }).values);

	it('maps steps (written, from a template, A/B tested) and every setting to the config keys', () => {
		const config = configFromFields({
			steps: {
				step: [
					{ delayDays: 0, delayHours: 0, delayMinutes: 0, content: 'write', subject: 'Hi', body: 'Hello' },
					{ delayDays: 2, delayHours: 1, delayMinutes: 5, content: 'template', templateId: TEMPLATE },
					{
						delayDays: 3,
						delayHours: 0,
						delayMinutes: 0,
						content: 'abTest',
						// A hidden field's value (the step's own subject) is not part of the config.
						subject: 'ignored',
						variants: {
							variant: [
								{ name: 'A', weight: 2, content: 'write', subject: 'Re: hi', body: 'Again' },
								{ name: '', weight: 1, content: 'template', templateId: TEMPLATE },
							],
						},
					},
				],
			},
			accountIds: [MAILBOX],
			timezone: 'Europe/Berlin',
			postalAddress: '1 Main Street',
			weekdays: ['mon', 'wed'],
			startHour: 8,
			endHour: 18,
			dailyNewLeadsCap: 40,
			minGapSeconds: 300,
			jitterSeconds: 30,
			stopOnReply: false,
			stopOnClick: true,
			trackOpens: false,
			trackClicks: false,
			returnPath: true,
			fromName: 'Ada',
			unsubscribeText: 'Opt out',
		});
		expect(config).toEqual({
			sequence: [
				{ delayDays: 0, delayHours: 0, delayMinutes: 0, subject: 'Hi', body: 'Hello' },
				{ delayDays: 2, delayHours: 1, delayMinutes: 5, templateId: TEMPLATE },
				{
					delayDays: 3,
					delayHours: 0,
					delayMinutes: 0,
					variants: [
						{ name: 'A', weight: 2, subject: 'Re: hi', body: 'Again' },
						{ weight: 1, templateId: TEMPLATE },
					],
				},
			],
			accountIds: [MAILBOX],
			timezone: 'Europe/Berlin',
			postalAddress: '1 Main Street',
			sendingWindow: { weekdays: ['mon', 'wed'], startHour: 8, endHour: 18 },
			dailyNewLeadsCap: 40,
			minGapSeconds: 300,
			jitterSeconds: 30,
			stopRules: { onReply: false, onClick: true },
			tracking: { opens: false, clicks: false, returnPath: true },
			fromName: 'Ada',
			unsubscribeText: 'Opt out',
		});
		expect(() => parseCampaignConfig(config)).not.toThrow();
	});

	it('maps only the fields given, merging a nested setting onto the stored one', () => {
		const stored = parseCampaignConfig({ sendingWindow: { weekdays: ['tue'], startHour: 7, endHour: 12 } });
		expect(configFromFields({ name: 'Renamed', endHour: 20, trackClicks: false }, stored)).toEqual({
			sendingWindow: { weekdays: ['tue'], startHour: 7, endHour: 20 },
			tracking: { opens: true, clicks: false, returnPath: false },
		});
		expect(configFromFields({}, stored)).toEqual({});
	});

	it('reads an empty text and a cap of 0 as not set, so Update can clear them', () => {
		const config = configFromFields({ fromName: ' ', postalAddress: '', unsubscribeText: '', dailyNewLeadsCap: 0 });
		expect(config).toEqual({
			fromName: undefined,
			postalAddress: undefined,
			unsubscribeText: undefined,
			dailyNewLeadsCap: undefined,
		});
		const stored = parseCampaignConfig({ fromName: 'Ada', dailyNewLeadsCap: 5 });
		expect(parseCampaignConfig({ ...stored, ...config })).toEqual(CONFIG_DEFAULTS);
	});

	it('starts every field at the schema’s default', () => {
		const options = createFields.options.options as INodeProperties[];
		const atDefaults: IDataObject = Object.fromEntries(
			[...createSettingsFields, ...options].map((field) => [field.name, field.default]),
		);
		delete atDefaults.options;
		expect(parseCampaignConfig(configFromFields(atDefaults))).toEqual(CONFIG_DEFAULTS);

		const step = Object.fromEntries(Object.values(stepValues).map((field) => [field.name, field.default]));
		const variant = Object.fromEntries(Object.values(variantValues).map((field) => [field.name, field.default]));
		const [parsed] = parseCampaignConfig(
			configFromFields({
				steps: {
					step: [
						{
							...step,
							content: 'abTest',
							variants: {
								variant: [
									{ ...variant, subject: 'a', body: 'b' },
									{ ...variant, subject: 'c', body: 'd' },
								],
							},
						},
					],
				},
			}),
		).sequence;
		const [bare] = parseCampaignConfig({
			sequence: [
				{
					variants: [
						{ subject: 'a', body: 'b' },
						{ subject: 'c', body: 'd' },
					],
				},
			],
		}).sequence;
		expect(parsed).toEqual(bare);
	});

	it('offers the name and every setting in Update Fields, each once, alphabetically', () => {
		const names = (updateSettingsField.options as INodeProperties[]).map((field) => field.displayName);
		expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
		expect(new Set(names).size).toBe(names.length);
		const settings = [
			...createSettingsFields.filter((field) => field.name !== 'options'),
			...(createFields.options.options as INodeProperties[]),
		];
		expect(names).toEqual(expect.arrayContaining(['Name', ...settings.map((field) => field.displayName)]));
		expect(names).toHaveLength(settings.length + 1);
	});

	describe('namingFields', () => {
		const refused = (config: unknown) =>
			namingFields(Promise.resolve().then(() => parseCampaignConfig(config))).catch((error: unknown) => error);

		it('adds the fields a refused config names, keeping the schema’s message', async () => {
			const error = (await refused({
				sendingWindow: { startHour: 17, endHour: 9 },
				sequence: [
					{ subject: 'a', body: 'b' },
					{ delayDays: -1, variants: [{ subject: 'x' }, { templateId: 'nope' }] },
				],
				accountIds: ['nope'],
			})) as OphirError;
			expect(error).toBeInstanceOf(OphirError);
			expect(error.message).toContain('config.sendingWindow.endHour must be after startHour');
			expect(error.description).toBe(
				'Check Steps › Step 2 › Wait (Days); Steps › Step 2 › Variant 1 › Body; ' +
					'Steps › Step 2 › Variant 2 › Template Name or ID; End Hour; Mailbox Names or IDs',
			);
		});

		it('leaves other errors as they are', async () => {
			const other = new Error('connection lost');
			await expect(namingFields(Promise.reject(other))).rejects.toBe(other);
			await expect(namingFields(Promise.resolve(1))).resolves.toBe(1);
		});
	});
});
