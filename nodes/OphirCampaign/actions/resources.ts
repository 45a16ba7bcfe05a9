import type { INodeProperties } from 'n8n-workflow';

import type { Operation } from '../../shared/operations';
import * as campaign from './campaign/Campaign.resource';
import * as database from './database/Database.resource';
import * as emailAccount from './emailAccount/EmailAccount.resource';
import * as lead from './lead/Lead.resource';
import * as organization from './organization/Organization.resource';
import * as suppression from './suppression/Suppression.resource';
import * as template from './template/Template.resource';
import * as user from './user/User.resource';

interface Resource {
	name: string;
	operations: Record<string, Operation>;
	description: INodeProperties[];
}

/** The node's resources, in the order the editor lists them; the key is the parameter value. */
export const resources: Record<string, Resource> = {
	campaign: { name: 'Campaign', ...campaign },
	lead: { name: 'Lead', ...lead },
	template: { name: 'Template', ...template },
	emailAccount: { name: 'Email Account', ...emailAccount },
	suppression: { name: 'Suppression', ...suppression },
	organization: { name: 'Organization', ...organization },
	user: { name: 'User', ...user },
	database: { name: 'Database', ...database },
};
