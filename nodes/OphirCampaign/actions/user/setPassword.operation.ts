import type { INodeProperties } from 'n8n-workflow';

import { MIN_PASSWORD_LENGTH, resolveRecordId, setUserPassword } from '../../../core/outreach';
import { FROM_VERSION_2, locatorField, shownOnly, VERSION_1 } from '../../../shared/locators';
import type { OperationExecute } from '../../../shared/runPerItem';
import { secretField } from '../common';

// Version 1 chose "By Email"/"By ID" in a field of its own; the locator has both modes.
const version1User: INodeProperties[] = [
	{
		displayName: 'User',
		name: 'by',
		type: 'options',
		options: [
			{ name: 'By Email', value: 'email' },
			{ name: 'By ID', value: 'id' },
		],
		default: 'email',
	},
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		required: true,
		default: '',
		displayOptions: { show: { by: ['email'] } },
	},
	{
		displayName: 'User ID',
		name: 'userId',
		type: 'string',
		required: true,
		default: '',
		displayOptions: { show: { by: ['id'] } },
	},
];

export const description: INodeProperties[] = [
	...version1User.map((field) => shownOnly(field, VERSION_1)),
	shownOnly(locatorField('user', { name: 'user', displayName: 'User', required: true }), FROM_VERSION_2),
	{
		...secretField(
			'password',
			'Password',
			'password',
			`At least ${MIN_PASSWORD_LENGTH} characters, stored as a bcrypt hash.`,
		),
		required: true,
	},
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const password = params.raw<unknown>('password', undefined);
	if (this.getNode().typeVersion >= 2) {
		const ref = params.ref('user', 'User');
		return tenant(async (tx) => setUserPassword(tx, { id: await resolveRecordId(tx, 'user', ref) }, password));
	}
	const user =
		params.raw<string>('by', 'email') === 'id'
			? { id: params.uuid('userId', 'User ID') }
			: { email: params.string('email', 'Email') };
	return tenant((tx) => setUserPassword(tx, user, password));
};
