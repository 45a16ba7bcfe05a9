import type { INodeProperties } from 'n8n-workflow';

import { getOrganization } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { organizationField, withQuotas } from './fields';

export const description: INodeProperties[] = [organizationField];

/** The organization, its quotas and their usage: the system organization may read any, another only itself. */
export const execute: OperationExecute = async function (context) {
	const id = context.params.uuid('organizationId', 'Organization');
	// In the credential's transaction first: an organization it may not see is not found, as elsewhere.
	await context.tenant((tx) => getOrganization(tx, id));
	return withQuotas(context, id);
};
