import { dataSourceOptions, runMigrations } from '@app/database';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { createTestDatabase, TestDatabase } from './support/database';

const ENTITIES = [`${__dirname}/../apps/server/src/**/*.entity.ts`];

// The same table as Organization, plus a column no migration creates.
@Entity('organizations')
class OrganizationWithExtraColumn {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 255 }) name: string;
  @Column({ type: 'boolean', default: false }) scimEnabled: boolean;
  @Column({ type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ type: 'datetime', precision: 3 }) updatedAt: Date;
  @Column({ type: 'varchar', length: 20, nullable: true }) notInAnyMigration: string | null;
}

describe('database schema', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  async function pendingSchemaChanges(entities: Parameters<typeof dataSourceOptions>[1]): Promise<string[]> {
    const dataSource = new DataSource(await dataSourceOptions(db.config, entities));
    await dataSource.initialize();
    try {
      await runMigrations(dataSource);
      const log = await dataSource.driver.createSchemaBuilder().log();
      return log.upQueries.map((q) => q.query);
    } finally {
      await dataSource.destroy();
    }
  }

  it('should have migrations that match the entities exactly on this engine', async () => {
    expect(await pendingSchemaChanges(ENTITIES)).toEqual([]);
  });

  it('should notice an entity change that has no migration', async () => {
    const changes = await pendingSchemaChanges([OrganizationWithExtraColumn]);
    expect(changes.join('\n')).toMatch(/not_in_any_migration/);
  });

  it('should apply migrations once and be a no-op the second time', async () => {
    const dataSource = new DataSource(await dataSourceOptions(db.config, ENTITIES));
    await dataSource.initialize();
    try {
      expect(await runMigrations(dataSource)).toEqual([]);
      const tables = await dataSource
        .createQueryRunner()
        .getTables(['organizations', 'users', 'roles', 'api_keys', 'user_attribute_values']);
      expect(tables.map((t) => t.name.replace(/^.*\./, '')).sort()).toEqual([
        'api_keys',
        'organizations',
        'roles',
        'user_attribute_values',
        'users',
      ]);
    } finally {
      await dataSource.destroy();
    }
  });
});
