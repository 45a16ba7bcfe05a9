import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One column as the schema specification (database/SPECIFICATION.md) writes it. */
export interface SpecColumn {
	name: string;
	/** PostgreSQL's information_schema spelling of the type, e.g. 'character varying(255)'. */
	type: string;
	default?: string;
	primaryKey: boolean;
	unique: boolean;
	references?: { table: string; column: string };
}

export interface SpecTable {
	name: string;
	columns: SpecColumn[];
}

const TYPES: Record<string, string> = {
	UUID: 'uuid',
	TEXT: 'text',
	'TEXT[]': 'text[]',
	INTEGER: 'integer',
	BOOLEAN: 'boolean',
	JSONB: 'jsonb',
	TIMESTAMP: 'timestamp without time zone',
	INET: 'inet',
};

function pgType(specType: string): string {
	const varchar = /^VARCHAR\((\d+)\)$/.exec(specType);
	if (varchar) return `character varying(${varchar[1]})`;
	const type = TYPES[specType];
	if (!type) throw new Error(`Unknown type in the specification: ${specType}`);
	return type;
}

/** Reads every table of the specification from its ```sql blocks. */
export function readSpecSchema(file = join(__dirname, '..', '..', 'database', 'SPECIFICATION.md')): SpecTable[] {
	const markdown = readFileSync(file, 'utf8');
	const tables: SpecTable[] = [];
	for (const [, block] of markdown.matchAll(/```sql\n([\s\S]*?)```/g)) {
		const table = /^(\w+) \(\n([\s\S]*?)\n\)\s*$/.exec(block.trim());
		if (!table) continue;
		const columns = table[2]
			.split('\n')
			.map((line) => line.replace(/--.*$/, '').trim().replace(/,$/, ''))
			.filter(Boolean)
			.map((line): SpecColumn => {
				const match = /^(\w+) (VARCHAR\(\d+\)|TEXT\[\]|[A-Z]+)(.*)$/.exec(line);
				if (!match) throw new Error(`Cannot read this line of the specification: ${line}`);
				const rest = match[3];
				const references = /REFERENCES (\w+)\((\w+)\)/.exec(rest);
				const defaultValue = /DEFAULT (.+)$/.exec(rest);
				return {
					name: match[1],
					type: pgType(match[2]),
					default: defaultValue?.[1].trim(),
					primaryKey: /PRIMARY KEY/.test(rest),
					unique: /\bUNIQUE\b/.test(rest),
					references: references ? { table: references[1], column: references[2] } : undefined,
				};
			});
		tables.push({ name: table[1], columns });
	}
	return tables;
}
