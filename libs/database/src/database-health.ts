import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Whether the database answers (the readiness probe). */
@Injectable()
export class DatabaseHealth {
  constructor(private readonly dataSource: DataSource) {}

  async isReachable(): Promise<boolean> {
    try {
      await this.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}
