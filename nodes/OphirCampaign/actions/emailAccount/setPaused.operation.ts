import type { INodeProperties } from 'n8n-workflow';

import { setEmailAccountPaused } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

/** Pause and Resume: the same operation, one with a reason. */
export function setPaused(paused: boolean) {
	const description: INodeProperties[] = [
		idField('accountId', 'Email Account ID'),
		...(paused
			? [{ displayName: 'Reason', name: 'reason', type: 'string', default: '' } satisfies INodeProperties]
			: []),
	];
	const execute: OperationExecute = async function ({ params, tenant }) {
		const id = params.uuid('accountId', 'Email Account ID');
		const reason = paused ? params.optionalString('reason') : undefined;
		return tenant((tx) => setEmailAccountPaused(tx, id, paused, reason));
	};
	return { description, execute };
}
