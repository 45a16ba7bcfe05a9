/** The error `fn` throws, to inspect its class and fields; a test fails if it throws nothing. */
export function thrown(fn: () => unknown): unknown {
	try {
		fn();
	} catch (error) {
		return error;
	}
	throw new Error('expected an error');
}
