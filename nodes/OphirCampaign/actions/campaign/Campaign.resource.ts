import type { INodeProperties } from 'n8n-workflow';

import { type Operation, resourceDescription } from '../../../shared/operations';
import { changeStatus } from './changeStatus.operation';
import * as create from './create.operation';
import * as deleteCampaign from './delete.operation';
import * as get from './get.operation';
import * as list from './list.operation';
import * as update from './update.operation';

export const operations: Record<string, Operation> = {
	create,
	get,
	list,
	update,
	activate: changeStatus('activate'),
	pause: changeStatus('pause'),
	resume: changeStatus('resume'),
	complete: changeStatus('complete'),
	archive: changeStatus('archive'),
	delete: deleteCampaign,
};

export const description: INodeProperties[] = resourceDescription('campaign', operations, 'create', [
	{ name: 'Activate', value: 'activate', description: 'Start sending a draft campaign', action: 'Activate a campaign' },
	{
		name: 'Archive',
		value: 'archive',
		description: 'Archive a draft, paused or completed campaign',
		action: 'Archive a campaign',
	},
	{
		name: 'Complete',
		value: 'complete',
		description: 'Stop a campaign for good and cancel what is queued',
		action: 'Complete a campaign',
	},
	{ name: 'Create', value: 'create', description: 'Create a draft campaign', action: 'Create a campaign' },
	{ name: 'Delete', value: 'delete', description: 'Delete a draft campaign', action: 'Delete a campaign' },
	{ name: 'Get', value: 'get', description: 'Get a campaign', action: 'Get a campaign' },
	{ name: 'Get Many', value: 'list', description: 'List campaigns', action: 'Get many campaigns' },
	{ name: 'Pause', value: 'pause', description: 'Pause an active campaign', action: 'Pause a campaign' },
	{ name: 'Resume', value: 'resume', description: 'Resume a paused campaign', action: 'Resume a campaign' },
	{
		name: 'Update',
		value: 'update',
		description: 'Rename a campaign or change its settings',
		action: 'Update a campaign',
	},
]);
