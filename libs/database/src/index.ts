export * from './data-source-options';
export * from './database.module';
export * from './database-health';
export * from './migrate';
export * from './transaction-runner';
export * from './row-reader';
export * from './insert-statement';
export * from './sqlite-search-worker';
