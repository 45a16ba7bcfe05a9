import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';
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

/**
 * Text that holds OPhir's `{{placeholders}}` (subjects, bodies) is edited in n8n's HTML editor: n8n turns a plain
 * text field into an n8n expression as soon as `{{…}}` is typed in it (and would then run the placeholders as
 * JavaScript), but not an editor field. An expression can still be chosen on purpose.
 */
export const HTML_TEXT = { editor: 'htmlEditor', rows: 8 } satisfies INodeProperties['typeOptions'];
/** A one-line field of the same kind, for subjects. */
export const HTML_TEXT_LINE = { editor: 'htmlEditor', rows: 1 } satisfies INodeProperties['typeOptions'];
