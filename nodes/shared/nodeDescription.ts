import type { INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

export const OPHIR_ICON: INodeTypeDescription['icon'] = {
	light: 'file:../../icons/ophir.svg',
	dark: 'file:../../icons/ophir.dark.svg',
};

/**
 * What every OPhir action node shares. Each node's own description keeps what n8n's lint reads there: the icon,
 * usableAsTool and the credential (its `testedBy` proves the credential is tested).
 */
export const ACTION_NODE = {
	group: ['transform'],
	version: 1,
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
} satisfies Partial<INodeTypeDescription>;
