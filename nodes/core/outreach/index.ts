// outreach/: what users manage: organizations, users, campaigns and their config schema, leads, templates, email accounts, the suppression list.
// The folder's entry: callers outside it import from here, not from its files.
export * from './accountVerification';
export * from './campaignConfig';
export * from './campaigns';
export * from './emailAccountFields';
export * from './emailAccounts';
export * from './leadColumns';
export * from './leadFields';
export * from './leadImport';
export * from './leadPrivacy';
export * from './leads';
export * from './mailboxSecrets';
export * from './organizations';
export * from './platform';
export * from './quotas';
export * from './recordRefs';
export * from './recordSearch';
export * from './suppressions';
export * from './templates';
export * from './users';
