// db/: PostgreSQL access: connection settings, pools, the SQL handle (`sql.ts`), tenant transactions, migrations, the credential's connection check, health, maintenance, the execution log, the secret box for mailbox secrets.
// The folder's entry: callers outside it import from here, not from its files.
export * from './connectionCheck';
export * from './connectionSettings';
export * from './databaseHealth';
export * from './executionLog';
export * from './maintenance';
export * from './migrations';
export * from './pool';
export * from './secretBox';
export * from './slowStatements';
export * from './sql';
export * from './tableStatistics';
export * from './tenantTransaction';
