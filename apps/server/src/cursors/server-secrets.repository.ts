import { sqliteConnection } from '@app/database';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { toDbDate } from '../common/db-values';

/** mysql2's pool under TypeORM's driver (callback API). */
interface MysqlPool {
  query(options: { sql: string; values: unknown[] }, callback: (error: Error | null) => void): void;
}

/** Statements on `server_secrets`. */
@Injectable()
export class ServerSecretsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The secret called `name`: `candidate` if no instance stored one before, else the stored one.
   * An insert that ignores a duplicate, then a read: instances starting at once all end with the
   * value of the first insert.
   */
  async findOrCreate(name: string, candidate: string, now: Date): Promise<string> {
    await this.insertUnlogged(name, candidate, now);
    const [row] = await this.dataSource.query('SELECT value FROM server_secrets WHERE name = ?', [name]);
    return String(row.value);
  }

  /**
   * The insert goes to the driver itself, its statement to the query log without its parameters:
   * with DATABASE_LOG_QUERIES on, TypeORM would log them, and the secret is never logged.
   */
  private async insertUnlogged(name: string, value: string, now: Date): Promise<void> {
    const values = [name, value, toDbDate(now)];
    if (this.dataSource.options.type === 'better-sqlite3') {
      const sql = 'INSERT OR IGNORE INTO server_secrets (name, value, created_at) VALUES (?, ?, ?)';
      this.dataSource.logger.logQuery(sql, []);
      sqliteConnection(this.dataSource).prepare(sql).run(values);
      return;
    }
    const sql = 'INSERT IGNORE INTO server_secrets (name, value, created_at) VALUES (?, ?, ?)';
    this.dataSource.logger.logQuery(sql, []);
    const pool = (this.dataSource.driver as unknown as { pool: MysqlPool }).pool;
    await new Promise<void>((resolve, reject) => pool.query({ sql, values }, (error) => (error ? reject(error) : resolve())));
  }
}
