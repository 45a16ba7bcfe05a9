import type { INodeProperties } from 'n8n-workflow';

import { MIN_PASSWORD_LENGTH, setUserPassword } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { secretField } from '../common';

export const description: INodeProperties[] = [
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
	const user =
		params.raw<string>('by', 'email') === 'id'
			? { id: params.uuid('userId', 'User ID') }
			: { email: params.string('email', 'Email') };
	const password = params.raw<unknown>('password', undefined);
	return tenant((tx) => setUserPassword(tx, user, password));
};
