import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeProperties, INodeType } from 'n8n-workflow';

import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';
import { OphirTrack } from '../../nodes/OphirTrack/OphirTrack.node';

/**
 * Workflows saved with version 1 of OPhir Campaign and OPhir Track see exactly the fields they were built with,
 * and the operations added since. The fixture is those nodes' parameters as released before version 2 (commit
 * 06c51e6).
 */
const RELEASED: Record<string, INodeProperties[]> = JSON.parse(
	readFileSync(join(__dirname, '..', 'fixtures', 'version1-descriptions.json'), 'utf8'),
);

type Show = Record<string, unknown[]>;

/** Whether a field is shown to version 1 nodes: no version condition, or one listing version 1. */
const forVersion1 = (field: INodeProperties) => {
	const versions = (field.displayOptions?.show as Show | undefined)?.['@version'];
	return !versions || versions.includes(1);
};

/**
 * A field as version 1 shows it, without its version condition. The one deliberate change is left out on both
 * sides: subjects and bodies are edited in n8n's HTML editor in every version (their values are the same), so that
 * `{{placeholders}}` stay text.
 */
function asVersion1Shows(field: INodeProperties): INodeProperties {
	const copy = structuredClone(field) as INodeProperties & { options?: unknown[] };
	const show = copy.displayOptions?.show as Show | undefined;
	if (show) delete show['@version'];
	if (show && Object.keys(show).length === 0) delete copy.displayOptions!.show;
	if (copy.displayOptions && Object.keys(copy.displayOptions).length === 0) delete copy.displayOptions;
	if (copy.typeOptions) {
		delete copy.typeOptions.editor;
		delete copy.typeOptions.rows;
		if (Object.keys(copy.typeOptions).length === 0) delete copy.typeOptions;
	}
	// A collection's options are fields too.
	copy.options = copy.options?.map((option) =>
		typeof option === 'object' && option !== null && 'type' in option
			? asVersion1Shows(option as INodeProperties)
			: option,
	);
	if (copy.options === undefined) delete copy.options;
	return copy;
}

/** The operations each resource offered when version 1 was released, by resource ('' for a node without). */
function releasedOperations(fields: INodeProperties[]): Map<string, Set<unknown>> {
	const released = new Map<string, Set<unknown>>();
	for (const field of fields.filter((f) => f.name === 'operation')) {
		const resource = String((field.displayOptions?.show as Show | undefined)?.resource?.[0] ?? '');
		released.set(resource, new Set((field.options as Array<{ value: unknown }>).map((o) => o.value)));
	}
	return released;
}

/**
 * The fields without the operations added since version 1 (their choices and their own fields): new operations
 * change nothing a saved workflow uses, so version 1 offers them too.
 */
function withoutAddedOperations(fields: INodeProperties[], released: Map<string, Set<unknown>>): INodeProperties[] {
	const known = (resource: unknown) => released.get(String(resource ?? '')) ?? new Set();
	return fields
		.filter((field) => {
			const show = field.displayOptions?.show as Show | undefined;
			if (field.name === 'operation' || !show?.operation) return true;
			return show.operation.some((operation) => known(show.resource?.[0]).has(operation));
		})
		.map((field) =>
			field.name === 'operation'
				? {
						...field,
						options: (field.options as Array<{ value: unknown }>).filter((o) =>
							known((field.displayOptions?.show as Show | undefined)?.resource?.[0]).has(o.value),
						) as INodeProperties['options'],
					}
				: field,
		);
}

describe.each([
	['ophirCampaign', new OphirCampaign()],
	['ophirTrack', new OphirTrack()],
] as Array<[string, INodeType]>)('%s version 1', (name, node) => {
	it('shows the parameters it was released with, unchanged', () => {
		const shown = withoutAddedOperations(
			node.description.properties.filter(forVersion1),
			releasedOperations(RELEASED[name]),
		).map(asVersion1Shows);
		expect(shown).toEqual(RELEASED[name].map(asVersion1Shows));
	});
});
