import { APP_CONFIG, AppConfig } from '@app/config';
import { DynamicModule, Global, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatabaseHealth } from './database-health';
import { dataSourceOptions } from './data-source-options';
import { runMigrations } from './migrate';
import { SearchRunner } from './search-runner';
import { SqliteCheckpoints } from './sqlite-checkpoints';
import { Statements } from './statements';
import { TransactionRunner } from './transaction-runner';

/** Brings the schema up to date before any module touches it (npm start runs pending migrations). */
@Injectable()
export class DatabaseMigrator implements OnModuleInit {
  private readonly logger = new Logger('Database');
  /** Names of the migrations this process applied at start (for `db:migrate`). */
  applied: string[] = [];

  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    this.applied = (await runMigrations(this.dataSource)).map((m) => m.name);
    for (const name of this.applied) this.logger.log(`Applied migration ${name}`);
  }
}

/**
 * TypeORM for the whole app: SQLite (embedded default) or MySQL/MariaDB,
 * chosen by DATABASE_URL. Feature modules register their own entities with
 * TypeOrmModule.forFeature; `autoLoadEntities` collects them here.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig) => ({
            ...(await dataSourceOptions(config.database, [])),
            autoLoadEntities: true,
            // Fail fast at start: a database that is down is reported, not retried for minutes.
            retryAttempts: 0,
          }),
        }),
      ],
      // The database layer's parts, one of each for the process: transactions, plain statements, searches.
      providers: [DatabaseMigrator, TransactionRunner, Statements, SearchRunner, DatabaseHealth, SqliteCheckpoints],
      exports: [TransactionRunner, Statements, SearchRunner, DatabaseMigrator, DatabaseHealth],
    };
  }
}
