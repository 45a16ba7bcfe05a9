import type { INodeProperties } from 'n8n-workflow';

import { queueStats } from '../../core/sending';
import { forOrganizations, organizationsFields } from '../../shared/organizationScope';
import type { OperationExecute } from '../../shared/runPerItem';

export const description: INodeProperties[] = [...organizationsFields];

export const execute: OperationExecute = async function (context) {
	return forOrganizations(context, (tenant) => tenant((tx) => queueStats(tx)));
};
