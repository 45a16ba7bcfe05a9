// validation/: the errors the core raises and the checks every input passes first (IDs, numbers, JSON, text, email addresses, rows).
// The folder's entry: callers outside it import from here, not from its files.
export * from './emailAddress';
export * from './errors';
export * from './ids';
export * from './json';
export * from './numbers';
export * from './rows';
export * from './text';
