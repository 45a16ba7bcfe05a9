import type { IExecuteFunctions, INode } from 'n8n-workflow';

import { toNodeError } from '../../nodes/shared/itemErrors';

/** How an item's error reads in n8n: unit tests over a stand-in for n8n's execution context. */
describe('item errors', () => {
	const node: INode = {
		id: 'node',
		name: 'OPhir Queue',
		type: 'n8n-nodes-ophir.ophirQueue',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const context = { getNode: () => node } as unknown as IExecuteFunctions;

	it('says a database error is one, naming the item', () => {
		const error = toNodeError(context, Object.assign(new Error('division by zero'), { code: '22012' }), 3);
		expect(error.message).toBe('Database error: division by zero [item 3]');
		expect(error.description).toBeFalsy();
	});

	it.each(['26000', '42P05'])(
		'points a prepared-statement error (%s) at the credential’s Prepared Statements setting',
		(code) => {
			const error = toNodeError(
				context,
				Object.assign(new Error('prepared statement "ophir_0a1b" does not exist'), { code }),
				0,
			);
			expect(error.message).toMatch(/^Database error: prepared statement/);
			expect(error.description).toMatch(/turn off "Prepared Statements" in the OPhir credential/);
		},
	);
});
