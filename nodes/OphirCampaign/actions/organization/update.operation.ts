import type { INodeProperties } from 'n8n-workflow';

import { setOrganizationQuotas, updateOrganization } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { organizationField, quotaFields, quotaInput, withQuotas } from './fields';

export const description: INodeProperties[] = [
	{
		displayName:
			'Only a credential acting for the system organization (00000000-0000-0000-0000-000000000001) can update organizations and set their quotas',
		name: 'systemNotice',
		type: 'notice',
		default: '',
	},
	organizationField,
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{ displayName: 'Name', name: 'name', type: 'string', default: '' },
			{ displayName: 'Plan Type', name: 'planType', type: 'string', default: 'free' },
		],
	},
	...quotaFields,
];

/** Renames the organization, changes its plan and sets its quotas in one transaction; outputs it with its quotas. */
export const execute: OperationExecute = async function (context) {
	const { params, tenant } = context;
	const id = params.uuid('organizationId', 'Organization');
	const fields = params.collection('updateFields');
	const quotas = quotaInput(params);
	await tenant(async (tx) => {
		await updateOrganization(tx, id, {
			name: fields.name as string | undefined,
			planType: fields.planType as string | undefined,
		});
		if (Object.keys(quotas).length > 0) await setOrganizationQuotas(tx, id, quotas);
	});
	return withQuotas(context, id);
};
