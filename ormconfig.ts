/**
 * DataSource for the TypeORM CLI (migration:generate / migration:show), built
 * from the same options as the app. DATABASE_URL picks the dialect, and with it
 * the migrations folder: libs/database/src/migrations/{sqlite,mysql}.
 *   npm run migration:generate -- sqlite AddSomething
 *   npm run migration:generate -- mysql AddSomething
 */
import { loadConfig } from '@app/config';
import { dataSourceOptions, withSqliteIntegerKeys } from '@app/database';
import { DataSource } from 'typeorm';

export default dataSourceOptions(loadConfig().database, [`${__dirname}/apps/server/src/**/*.entity.{ts,js}`]).then((options) =>
  withSqliteIntegerKeys(new DataSource(options)),
);
