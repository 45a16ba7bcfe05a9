import type { INodeProperties } from 'n8n-workflow';

import { EVENT_TYPES, type EventInput, recordEvents } from '../../core/tracking';
import { type RecordRef, resolveRecordIds } from '../../core/outreach';
import { InvalidInputError } from '../../core/validation';
import { collectionByVersion, locatorField } from '../../shared/locators';
import { additionalFieldsField, readEachItem } from '../../shared/parameters';
import type { BatchExecute } from '../../shared/runPerItem';

const title = (value: string) => value.charAt(0).toUpperCase() + value.slice(1);

export const description: INodeProperties[] = [
	{
		displayName: 'Event Type',
		name: 'eventType',
		type: 'options',
		options: EVENT_TYPES.map((type) => ({ name: title(type), value: type })),
		default: 'replied',
	},
	{
		displayName: 'Match By',
		name: 'matchBy',
		type: 'options',
		options: [
			{ name: 'Message-ID', value: 'messageId', description: 'The Message-ID of the email OPhir sent' },
			{ name: 'Queue ID', value: 'queueId', description: 'The OPhir queue item ID' },
			{ name: 'Lead Email', value: 'email', description: "The lead's address (its last sent email is used)" },
		],
		default: 'messageId',
	},
	{
		displayName: 'Message-ID',
		name: 'messageId',
		type: 'string',
		default: '',
		placeholder: '<ID@example.com>',
		displayOptions: { show: { matchBy: ['messageId'] } },
	},
	{
		displayName: 'Queue ID',
		name: 'queueId',
		type: 'string',
		default: '',
		displayOptions: { show: { matchBy: ['queueId'] } },
	},
	{
		displayName: 'Lead Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		default: '',
		displayOptions: { show: { matchBy: ['email'] } },
	},
	...collectionByVersion(
		additionalFieldsField([
			{
				displayName: 'Bounce Type',
				name: 'bounceType',
				type: 'options',
				options: [
					{ name: 'Hard', value: 'hard' },
					{ name: 'Soft', value: 'soft' },
				],
				default: 'hard',
			},
			locatorField('campaign', {
				name: 'campaignId',
				displayName: 'Campaign',
				description: 'Narrows a match by lead email to this campaign',
			}),
			{
				displayName: 'Event ID',
				name: 'eventId',
				type: 'string',
				default: '',
				description: 'The source’s ID for this event: an event ID seen before is not recorded again',
			},
			{ displayName: 'Metadata (JSON)', name: 'metadata', type: 'json', default: '{}' },
			{ displayName: 'Time', name: 'time', type: 'dateTime', default: '' },
		]),
		{
			displayName: 'Campaign ID',
			name: 'campaignId',
			type: 'string',
			default: '',
			description: 'Narrows a match by lead email to this campaign',
		},
	),
];

/** An item's event, and the campaign it names (resolved in the transaction: it may be given by name). */
interface ItemEvent {
	event: EventInput;
	campaign?: RecordRef;
}

/** Records every input item's event in one transaction. */
export const executeBatch: BatchExecute = async function ({ items, tenant, executionId }) {
	const events = readEachItem(this, items.length, (params): ItemEvent => {
		const fields = params.collection('additionalFields');
		const matchBy = params.raw<string>('matchBy', 'messageId');
		const time = fields.time ? new Date(String(fields.time)) : undefined;
		if (time && Number.isNaN(time.getTime())) throw new InvalidInputError('Time', 'a date and time', fields.time);
		const event: EventInput = {
			type: params.raw<EventInput['type']>('eventType', 'replied'),
			...(matchBy === 'queueId'
				? { queueId: params.uuid('queueId', 'Queue ID') }
				: matchBy === 'email'
					? { email: params.string('email', 'Lead Email') }
					: { messageId: params.string('messageId', 'Message-ID') }),
			eventId: (fields.eventId as string | undefined)?.trim() || undefined,
			bounceType: fields.bounceType as EventInput['bounceType'],
			at: time,
			metadata: fields.metadata === undefined ? undefined : params.json('additionalFields.metadata', 'Metadata (JSON)'),
		};
		return { event, campaign: params.optionalRef('additionalFields.campaignId', 'Campaign') };
	});
	const valid = events.filter((e): e is ItemEvent => !(e instanceof Error));
	const outcomes = await tenant(async (tx) => {
		const campaignIds = await resolveRecordIds(
			tx,
			'campaign',
			valid.map(({ campaign }) => campaign),
		);
		const resolved = valid.map(({ event }, i): EventInput => ({ ...event, campaignId: campaignIds[i] }));
		return recordEvents(tx, resolved, { executionId });
	});
	let next = 0;
	return events.map((event) => (event instanceof Error ? event : outcomes[next++]));
};
