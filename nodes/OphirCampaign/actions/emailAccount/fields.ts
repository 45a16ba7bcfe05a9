import type { INodeProperties } from 'n8n-workflow';

import { type AccountInput, WARMUP_STATUSES } from '../../../core/outreach';
import { DEFAULT_SENDING_WINDOW } from '../../../core/sending';
import type { ItemParameters } from '../../../shared/parameters';
import { optionsOf } from '../../../shared/parameters';
import { secretField } from '../common';

export const smtpFields: INodeProperties[] = [
	{ displayName: 'SMTP Host', name: 'smtpHost', type: 'string', default: '', placeholder: 'smtp.example.com' },
	{ displayName: 'SMTP Port', name: 'smtpPort', type: 'number', default: 587 },
	{
		displayName: 'SMTP Security',
		name: 'smtpSecurity',
		type: 'options',
		options: [
			{ name: 'STARTTLS (Port 587)', value: 'starttls' },
			{ name: 'TLS (Port 465)', value: 'tls' },
			{ name: 'None (Local Test Servers Only)', value: 'none' },
		],
		default: 'starttls',
	},
	{
		displayName: 'SMTP User',
		name: 'smtpUser',
		type: 'string',
		default: '',
		description: 'Defaults to the email address',
	},
];

const authenticationField: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	options: [
		{ name: 'Password or App Password', value: 'password' },
		{ name: 'OAuth2', value: 'oauth2' },
	],
	default: 'password',
};
const passwordField = secretField(
	'password',
	'Password',
	'password',
	'The mailbox password or app password, stored encrypted (AES-256-GCM).',
);
const oauth2Fields: INodeProperties[] = [
	{ displayName: 'OAuth2 Client ID', name: 'clientId', type: 'string', default: '' },
	secretField('clientSecret', 'OAuth2 Client Secret', 'clientSecret', 'Stored encrypted.'),
	secretField('refreshToken', 'OAuth2 Refresh Token', 'refreshToken', 'Stored encrypted.'),
];

/** Create: the secret of the chosen kind, read from the input item by default. */
export const authenticationFields: INodeProperties[] = [
	authenticationField,
	{ ...passwordField, displayOptions: { show: { authentication: ['password'] } } },
	...oauth2Fields.map((field) => ({ ...field, displayOptions: { show: { authentication: ['oauth2'] } } })),
];

/** Update: a new secret is asked for explicitly, never taken from the item unasked. */
export const secretUpdateFields: INodeProperties[] = [
	authenticationField,
	...[passwordField, ...oauth2Fields].map((field) => ({
		...field,
		default: '',
		description: 'Replaces the stored secret (encrypted)',
	})),
];

/** Sending settings shared by Create (Additional Fields) and Update (Update Fields). */
export const sendingFields: INodeProperties[] = [
	{
		displayName: 'Daily Limit',
		name: 'dailyLimit',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 50,
		description: 'Most emails per day once warmed up',
	},
	{ displayName: 'From Name', name: 'fromName', type: 'string', default: '' },
	{
		displayName: 'Sending Window Override (JSON)',
		name: 'sendingWindow',
		type: 'json',
		default: JSON.stringify(DEFAULT_SENDING_WINDOW),
		description: "Replaces the campaign's sending window for this mailbox",
	},
	{
		displayName: 'Time Zone',
		name: 'timezone',
		type: 'string',
		default: '',
		placeholder: 'Europe/Berlin',
		description: 'Midnight here resets the daily counter',
	},
	{
		displayName: 'Warm-Up Daily Increment',
		name: 'warmupDailyIncrement',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 5,
		description: 'Emails added to the capacity each day of warm-up',
	},
	{
		displayName: 'Warm-Up Start Volume',
		name: 'warmupStartVolume',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 5,
		description: 'Emails on the first day of warm-up',
	},
	{
		displayName: 'Warm-Up Status',
		name: 'warmupStatus',
		type: 'options',
		options: optionsOf(WARMUP_STATUSES),
		default: 'pending',
		description: 'Warming ramps capacity up from the start volume; warmed and off send up to the daily limit',
	},
];

/** The AccountInput fields a collection holds (Additional Fields or Update Fields). */
export function sendingInput(params: ItemParameters, collection: string): AccountInput {
	const fields = params.collection(collection);
	const warmup =
		fields.warmupStartVolume === undefined && fields.warmupDailyIncrement === undefined
			? undefined
			: {
					startVolume: fields.warmupStartVolume as number | undefined,
					dailyIncrement: fields.warmupDailyIncrement as number | undefined,
				};
	return {
		dailyLimit: fields.dailyLimit as number | undefined,
		fromName: fields.fromName as string | undefined,
		timezone: fields.timezone as string | undefined,
		warmupStatus: fields.warmupStatus as string | undefined,
		warmup,
		sendingWindow:
			fields.sendingWindow === undefined
				? undefined
				: ((params.json(
						`${collection}.sendingWindow`,
						'Sending Window Override (JSON)',
					) as AccountInput['sendingWindow']) ?? null),
	};
}

/** The password or OAuth2 tokens given, if any. */
export function secretInput(params: ItemParameters, collection?: string): Pick<AccountInput, 'password' | 'oauth2'> {
	const read = (name: string) =>
		collection ? (params.collection(collection)[name] as string | undefined) : params.raw<string>(name, '');
	if ((collection ? read('authentication') : params.raw('authentication', 'password')) === 'oauth2') {
		return {
			oauth2: { clientId: read('clientId'), clientSecret: read('clientSecret'), refreshToken: read('refreshToken') },
		};
	}
	return { password: read('password') || undefined };
}
