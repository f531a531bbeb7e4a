import { Statements } from '@app/database';
import { DataSource } from 'typeorm';
import { Role } from '../../apps/server/src/users/role.entity';
import { User } from '../../apps/server/src/users/user.entity';
import { UserCountsRepository } from '../../apps/server/src/users/user-counts.repository';

/** Test data written straight to the database, for suites whose subject is not user creation. */
export async function insertUser(
  dataSource: DataSource,
  organizationId: string | number,
  userName: string,
  options: { role?: string; active?: boolean } = {},
): Promise<User> {
  const orgId = Number(organizationId);
  const role = await dataSource
    .getRepository(Role)
    .findOneByOrFail({ organizationId: orgId, nameLower: (options.role ?? 'Employee').toLowerCase() });
  const now = new Date();
  // With the organization's count of live users, as the users repository keeps it.
  return dataSource.transaction(async (manager) => {
    const user = await manager.getRepository(User).save({
      organizationId: orgId,
      userName,
      userNameLower: userName.toLowerCase(),
      roleId: role.id,
      active: options.active ?? true,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    await new UserCountsRepository(dataSource, new Statements(dataSource)).addLive(manager, orgId, 1);
    return user;
  });
}

/**
 * Counts the SQL statements a block of code sends (TypeORM calls its logger for every query). The
 * inspector's recorder writes the SCIM requests it holds every second, off any request's path: its
 * statements (on `scim_requests`) are not the block's, and are left out.
 */
export async function countQueries<T>(dataSource: DataSource, work: () => Promise<T>): Promise<{ result: T; queries: string[] }> {
  const queries: string[] = [];
  const logger = dataSource.logger;
  const original = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, runner) => {
    if (!query.includes('scim_requests')) queries.push(query);
    return original(query, parameters, runner);
  };
  try {
    const result = await work();
    // lastUsedAt is written off the request path: give it a moment to show up if it happens.
    await new Promise((r) => setTimeout(r, 50));
    return { result, queries };
  } finally {
    logger.logQuery = original;
  }
}
