import type { INodeCredentialDescription, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

export const OPHIR_ICON: INodeTypeDescription['icon'] = {
	light: 'file:../../icons/ophir.svg',
	dark: 'file:../../icons/ophir.dark.svg',
};

/** Every OPhir node acts through the one PostgreSQL credential, tested by the shared connection check. */
export const OPHIR_CREDENTIALS: INodeCredentialDescription[] = [
	{ name: 'ophirPostgresApi', required: true, testedBy: 'ophirConnectionTest' },
];

/** What every OPhir action node shares (spread into each node's own description, where n8n's lint reads it). */
export const ACTION_NODE = {
	group: ['transform'],
	version: 1,
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: OPHIR_CREDENTIALS,
} satisfies Partial<INodeTypeDescription>;
