import { APP_CONFIG, AppConfig } from '@app/config';
import { StatementTimeoutError } from '@app/database';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { badRequest } from '../common/app-error';
import { DEFAULT_SEARCH_MAX_ROWS, isCheapSearch, searchCost } from './search-cost';
import { toResource, UserResource } from './user-resource';
import { userNameLookup, UserSearch, UsersRepository } from './users.repository';

/**
 * SCIM searches of an organization's users, bounded: a search is priced before it runs
 * (search-cost.ts: rows it may read, from the organization's size) and refused above
 * SCIM_SEARCH_MAX_ROWS; what runs is stopped at SCIM_SEARCH_TIMEOUT_MS (the repository's search
 * runner). Both refusals are 400 `tooMany` with a sentence saying how to narrow the search.
 */
@Injectable()
export class UserSearchService {
  private readonly maxRows: number;

  constructor(
    private readonly repository: UsersRepository,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.maxRows = config?.scim.searchMaxRows ?? DEFAULT_SEARCH_MAX_ROWS;
  }

  /** A page of the organization's live users matching a SCIM filter, in the SCIM sort order. */
  async search(organizationId: number, query: UserSearch): Promise<{ total: number; users: UserResource[] }> {
    // `userName eq` is a read by a unique key, whatever the paging and sorting (UsersRepository.search).
    if (!isCheapSearch(query) && userNameLookup(query.filter) === undefined) {
      const cost = searchCost(query, await this.repository.organizationSize(organizationId));
      if (cost.rows > this.maxRows)
        throw badRequest(
          `This search would read about ${cost.rows.toLocaleString('en-US')} rows (${cost.parts.join(', ')}); this server reads at most ${this.maxRows.toLocaleString('en-US')} for one. Narrow it with an eq on userName, externalId, id or emails.value, use fewer comparisons, or sort by a plain attribute.`,
          'tooMany',
        );
    }
    try {
      const { total, users } = await this.repository.search(organizationId, query);
      return { total, users: users.map(toResource) };
    } catch (error) {
      if (!(error instanceof StatementTimeoutError)) throw error;
      throw badRequest(
        `The search took longer than the ${error.timeoutMs / 1000} s this server allows one and was stopped; use fewer or more selective filter terms (eq on userName, externalId or emails.value is fastest), or sort by a plain attribute.`,
        'tooMany',
      );
    }
  }
}
