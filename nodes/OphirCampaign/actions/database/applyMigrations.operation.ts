import type { INodeProperties } from 'n8n-workflow';

import { applyMigrations } from '../../../core/db';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = [
	{
		displayName:
			'Brings the OPhir schema up to date: applies every migration this database lacks, in order, under a lock so concurrent runs wait for each other. Safe to run at any time.',
		name: 'applyMigrationsNotice',
		type: 'notice',
		default: '',
	},
];

export const execute: OperationExecute = async function ({ pool }) {
	const { applied, current } = await applyMigrations(pool);
	return { applied, appliedCount: applied.length, schemaVersion: current };
};
