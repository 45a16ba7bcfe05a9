import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { listOrganizations } from '../../core/outreach';
import { forOrganization } from './forOrganization';

/**
 * The organizations the credential sees, for an Organization dropdown: a credential acting for the system
 * organization lists every one, any other only its own.
 */
async function getOrganizations(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const organizations = await forOrganization(this, 'organizations', (tx) => listOrganizations(tx));
	return organizations.map(({ id, name }) => ({ name, value: id }));
}

/** loadOptions methods for organizations (registered in the nodes' `methods.loadOptions`). */
export const organizationOptions = { getOrganizations };
