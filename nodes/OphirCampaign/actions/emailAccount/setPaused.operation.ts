import type { INodeProperties } from 'n8n-workflow';

import { resolveRecordId, setEmailAccountPaused } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';

/** Pause and Resume: the same operation, one with a reason. */
export function setPaused(paused: boolean) {
	const description: INodeProperties[] = [
		...recordLocator(
			'emailAccount',
			{ name: 'accountId', displayName: 'Email Account', required: true },
			ID_PLACEHOLDER,
		),
		...(paused
			? [{ displayName: 'Reason', name: 'reason', type: 'string', default: '' } satisfies INodeProperties]
			: []),
	];
	const execute: OperationExecute = async function ({ params, tenant }) {
		const ref = params.ref('accountId', 'Email Account');
		const reason = paused ? params.optionalString('reason') : undefined;
		return tenant(async (tx) =>
			setEmailAccountPaused(tx, await resolveRecordId(tx, 'emailAccount', ref), paused, reason),
		);
	};
	return { description, execute };
}
