import { parseCampaignConfig, stepDelayMinutes } from '../../nodes/core/outreach';
import { CONFIG_DEFAULTS } from '../support/outreach';

describe('campaign config', () => {
	it('fills in the defaults a new campaign starts with', () => {
		expect(parseCampaignConfig({})).toEqual(CONFIG_DEFAULTS);
	});

	it('accepts a full sequence with A/B variants and templates, from JSON text too', () => {
		const config = parseCampaignConfig(
			JSON.stringify({
				sequence: [
					{ subject: 'Hi {{firstName}}', body: '<p>Hello</p>' },
					{ delayDays: 2, delayHours: 3, templateId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' },
					{
						delayDays: 4,
						variants: [
							{ name: 'A', subject: 'Quick question', body: 'A', weight: 3 },
							{ name: 'B', subject: 'Following up', body: 'B' },
						],
					},
				],
				timezone: 'America/New_York',
				dailyNewLeadsCap: 50,
			}),
		);
		expect(config.sequence).toHaveLength(3);
		expect(stepDelayMinutes(config.sequence[1])).toBe(2 * 1440 + 180);
		expect(config.sequence[2].variants?.[1].weight).toBe(1);
	});

	it('names the path of every problem', () => {
		expect(() =>
			parseCampaignConfig({
				sequence: [
					{ subject: 'a', body: 'b' },
					{ delayDays: -1, subject: 'x' },
				],
				sendingWindow: { startHour: 10, endHour: 9, weekdays: ['monday'] },
				timezone: 'Mars/Olympus',
				accountIds: ['nope'],
				trackng: {},
			}),
		).toThrow(
			'Invalid campaign config: config.sequence[1].delayDays must be >= 0; config.sequence[1].body is required (or give a templateId); ' +
				'config.timezone must be an IANA time zone such as America/New_York; config.sendingWindow.weekdays[0] must be one of mon, tue, wed, thu, fri, sat, sun; ' +
				'config.accountIds[0] must be a UUID; config.trackng is not a known setting',
		);
	});

	it.each([
		[
			{ sequence: [{ subject: 'a', body: 'b', delayHours: 1.5 }] },
			'config.sequence[0].delayHours must be a whole number',
		],
		[
			{ sequence: [{ variants: [{ subject: 'a', body: 'b' }] }] },
			'config.sequence[0].variants must list at least two variants, or none',
		],
		[
			{
				sequence: [
					{
						variants: [{ subject: 'a', body: 'b', weight: 0 }, { templateId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' }],
					},
				],
			},
			'config.sequence[0].variants[0].weight must be > 0',
		],
		[{ sendingWindow: { startHour: 9, endHour: 9 } }, 'config.sendingWindow.endHour must be after startHour'],
		[{ minGapSeconds: 'soon' }, 'config.minGapSeconds must be a number'],
		[{ stopRules: { onReply: 'yes' } }, 'config.stopRules.onReply Expected boolean, received string'],
	])('rejects %j', (config, message) => {
		expect(() => parseCampaignConfig(config)).toThrow(message);
	});

	it('says when the config is not JSON', () => {
		expect(() => parseCampaignConfig('{ sequence: ')).toThrow(/^Config must be valid JSON$/);
	});
});
