import { createHash } from 'node:crypto';

// Spintax `{a|b|c}`: resolved before Handlebars renders, the same choice for the same lead every time.

// Handlebars mustaches ({{x}}, {{{x}}}) are set aside while spintax resolves, so their braces never count. A
// triple-stache must close with three braces: in {a|{{x}}} and {{{x}}|b} the extra brace is spintax.
const MUSTACHE = /\{\{\{[^{}]*\}\}\}|\{\{[^{}]*\}\}/g;
const SPIN_GROUP = /\{([^{}]*\|[^{}]*)\}/; // innermost group first, so {a|{b|c}} nests
const PLACEHOLDER = /\ue000(\d+)\ue001/g; // private-use characters, never in real text

/** Replaces every spintax group, innermost first, by what `pick` makes of its options (n counts the groups). */
function spin(text: string, pick: (options: string[], n: number) => string): string {
	const mustaches: string[] = [];
	let result = text.replace(MUSTACHE, (m) => `\ue000${mustaches.push(m) - 1}\ue001`);
	for (let group = 0; SPIN_GROUP.test(result); group++) {
		result = result.replace(SPIN_GROUP, (_match, options: string) => pick(options.split('|'), group));
	}
	return result.replace(PLACEHOLDER, (_m, index: string) => mustaches[Number(index)]);
}

/** Resolves spintax deterministically for `seed` (e.g. the lead id): group n picks by a hash of seed and n. */
export function resolveSpintax(text: string, seed: string): string {
	return spin(text, (choices, group) => {
		const digest = createHash('sha256').update(`${seed}:${group}`).digest();
		return choices[digest.readUInt32BE(0) % choices.length];
	});
}

/**
 * Every option of every group side by side: checking this text checks what any lead can get. Joined by a space,
 * so a syntax error is reported on the line where it was written.
 */
export function allSpins(text: string): string {
	return spin(text, (choices) => choices.join(' '));
}
