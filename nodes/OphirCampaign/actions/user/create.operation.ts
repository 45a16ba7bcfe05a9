import type { INodeProperties } from 'n8n-workflow';

import { createUser, MIN_PASSWORD_LENGTH, USER_ROLES } from '../../../core/outreach';
import { additionalFieldsField, optionsOf } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';
import { secretField } from '../common';

export const description: INodeProperties[] = [
	{ displayName: 'Email', name: 'email', type: 'string', placeholder: 'name@email.com', required: true, default: '' },
	{
		displayName: 'Role',
		name: 'role',
		type: 'options',
		options: optionsOf(USER_ROLES),
		default: 'user',
	},
	secretField(
		'password',
		'Password',
		'password',
		`At least ${MIN_PASSWORD_LENGTH} characters, stored as a bcrypt hash. Leave empty to create the user locked (no sign-in until a password is set).`,
	),
	additionalFieldsField([
		{ displayName: 'First Name', name: 'firstName', type: 'string', default: '' },
		{ displayName: 'Last Name', name: 'lastName', type: 'string', default: '' },
	]),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const fields = params.collection('additionalFields') as { firstName?: string; lastName?: string };
	const input = {
		email: params.string('email', 'Email'),
		role: params.raw<string>('role', 'user'),
		password: params.raw<string | undefined>('password', undefined) || undefined,
		...fields,
	};
	return tenant((tx) => createUser(tx, input));
};
