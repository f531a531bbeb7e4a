import { TEXT_LIMITS } from '@app/api-types/limits';
import type { UserUpdate } from '@app/api-types';
import { useState } from 'preact/hooks';
import { ApiError, describeError, type Page, query, type User, type UserFilters } from '../api';
import { Dialog, FormFooter } from '../components/dialog';
import { LimitedInput, overLimit } from '../components/limited-input';
import { Badge, EmptyState, Loading, LoadError, LoadMore, Notice, PageHeader, useAsync } from '../components/ui';
import { useSession } from '../context';
import { userLabel } from '../format';
import { followLink, pageHref } from '../router';
import { DeletedUsers } from './deleted-users';

type View = 'members' | 'users' | 'deleted';

/** The pre-defined role the server keeps at least one active user in. */
const ADMIN = 'Admin';

/** Filters from the address (`?role=Finance` from the Roles page). */
function filtersFromUrl(): UserFilters {
  const q = new URLSearchParams(window.location.search);
  const status = q.get('status');
  return {
    q: q.get('q') ?? undefined,
    role: q.get('role') ?? undefined,
    status: status === 'active' || status === 'inactive' ? status : undefined,
  };
}

export function MembersPage() {
  const { api } = useSession();
  const [filters, setFilters] = useState<UserFilters>(filtersFromUrl);
  // A role filter shows everyone with that role, Employees included: the "All users" view.
  const [view, setView] = useState<View>(() =>
    new URLSearchParams(window.location.search).get('view') === 'deleted'
      ? 'deleted'
      : filtersFromUrl().role
        ? 'users'
        : 'members',
  );
  const [search, setSearch] = useState(filters.q ?? '');
  const roles = useAsync(() => api.roles());
  // The server refuses to demote or deactivate the last active Admin: the page says so before anyone tries.
  const activeAdmins = useAsync(() => api.userCount({ role: ADMIN, status: 'active' }));
  const key = JSON.stringify({ view, filters });
  const load = (cursor?: string | null) => (view === 'members' ? api.members(cursor, filters) : api.users(cursor, filters));
  // The deleted users are listed by their own view.
  const list = useAsync(async () => (view === 'deleted' ? undefined : { key, page: await load() }), [key]);
  const [confirming, setConfirming] = useState<{ user: User; role: string }>();
  // Pages added with "Load more" belong to the first page they were loaded after; a reload starts over.
  const [more, setMore] = useState<{ after: Page<User>; pages: Page<User>[] }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [message, setMessage] = useState<{ tone: 'success' | 'danger'; title?: string; text: string }>();
  const [busyUser, setBusyUser] = useState<string>();
  const [deactivating, setDeactivating] = useState<User>();
  const [editing, setEditing] = useState<User>();

  const switchView = (next: View) => {
    if (next === view) return;
    setView(next);
    setMessage(undefined);
    // The address names the deleted users' view (the incident page links to it); the others keep their filters there.
    window.history.replaceState(null, '', `${window.location.pathname}${next === 'deleted' ? '?view=deleted' : query(filters)}`);
  };

  const first = list.data?.key === key ? list.data.page : undefined;
  const pages = first ? [first, ...(more?.after === first ? more.pages : [])] : [];
  const users = pages.flatMap((p) => p.items);
  const last = pages[pages.length - 1];

  const loadMore = async () => {
    if (!last?.nextCursor) return;
    setLoadingMore(true);
    try {
      const next = await load(last.nextCursor);
      setMore({ after: first!, pages: [...pages.slice(1), next] });
    } catch (e) {
      setMessage({ tone: 'danger', text: describeError(e) });
    } finally {
      setLoadingMore(false);
    }
  };

  const update = async (user: User, change: { role?: string; active?: boolean }) => {
    setBusyUser(user.id);
    setMessage(undefined);
    const what =
      change.role !== undefined
        ? `change the role of ${user.userName}`
        : change.active
          ? `reactivate ${user.userName}`
          : `deactivate ${user.userName}`;
    try {
      const updated = await api.updateUser(user.id, change);
      // Said once the list shows the change, so that the message and the table agree.
      await Promise.all([list.reload(), roles.reload(), activeAdmins.reload()]);
      setMessage({
        tone: 'success',
        text:
          change.role !== undefined
            ? `${updated.userName} is now ${updated.role}.`
            : `${updated.userName} was ${updated.active ? 'reactivated' : 'deactivated'}.`,
      });
    } catch (e) {
      setMessage({ tone: 'danger', title: `Could not ${what}`, text: describeError(e) });
      // The page was out of date (someone else changed the users meanwhile): it shows what the server has now.
      void Promise.all([list.reload(), activeAdmins.reload()]);
    } finally {
      setBusyUser(undefined);
    }
  };

  const roleNames = roles.data?.map((r) => r.name) ?? [];

  const filter = (next: Partial<UserFilters>) => {
    const merged = { ...filters, ...next };
    setFilters(merged);
    setMessage(undefined);
    window.history.replaceState(null, '', `${window.location.pathname}${query(merged)}`);
  };

  return (
    <>
      <PageHeader
        title="Members"
        description="Members are the people with a role other than Employee. Roles and status normally come from your identity provider; you can change them here too, except a role that a group gives (change it on the Groups page). Email and name are your identity provider's too, except for users Torii created itself (the first Admin): edit those here."
      />
      <div class="toolbar">
        <div class="segmented" role="group" aria-label="Show">
          <button type="button" class="segment" aria-pressed={view === 'members'} onClick={() => switchView('members')}>
            Members
          </button>
          <button type="button" class="segment" aria-pressed={view === 'users'} onClick={() => switchView('users')}>
            All users
          </button>
          <button type="button" class="segment" aria-pressed={view === 'deleted'} onClick={() => switchView('deleted')}>
            Deleted users
          </button>
        </div>
        {view !== 'deleted' && last && (
          <p class="toolbar-note" aria-live="polite">
            Showing {users.length} of {last.total}
          </p>
        )}
      </div>
      {view === 'deleted' ? (
        <DeletedUsers />
      ) : (
        <>
          <form
            class="filters"
            aria-label="Filter the users"
            onSubmit={(e) => {
              e.preventDefault();
              filter({ q: search.trim() || undefined });
            }}
          >
            <div class="field field-inline">
              <label class="label" for="users-search">
                Search
              </label>
              <input
                id="users-search"
                class="input input-small"
                type="search"
                placeholder="Email or name"
                value={search}
                onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
                onBlur={() => filter({ q: search.trim() || undefined })}
              />
            </div>
            <div class="field field-inline">
              <label class="label" for="users-role">
                Role
              </label>
              <select
                id="users-role"
                class="select select-small"
                value={filters.role ?? ''}
                onChange={(e) => filter({ role: (e.target as HTMLSelectElement).value || undefined })}
              >
                <option value="">Any role</option>
                {roleNames.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
            <div class="field field-inline">
              <label class="label" for="users-status">
                Status
              </label>
              <select
                id="users-status"
                class="select select-small"
                value={filters.status ?? ''}
                onChange={(e) =>
                  filter({ status: ((e.target as HTMLSelectElement).value || undefined) as UserFilters['status'] })
                }
              >
                <option value="">Active and inactive</option>
                <option value="active">Active</option>
                <option value="inactive">Inactive</option>
              </select>
            </div>
          </form>
          {message && (
            <div role={message.tone === 'danger' ? undefined : 'status'}>
              <Notice tone={message.tone} title={message.title}>
                {message.text}
              </Notice>
            </div>
          )}
          {list.error && !first ? (
            <LoadError error={list.error} onRetry={list.reload} />
          ) : !first ? (
            <Loading />
          ) : users.length === 0 ? (
            <div class="card">
              <EmptyState title={view === 'members' ? 'No members yet' : 'No users yet'}>
                {view === 'members'
                  ? 'Give a user a role other than Employee to make them a member.'
                  : 'Users appear here when your identity provider provisions them.'}
              </EmptyState>
            </div>
          ) : (
            <div class="card card-flush table-scroll">
              <table class="table table-responsive">
                <caption class="visually-hidden">{view === 'members' ? 'Members' : 'All users'}</caption>
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col">Role</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {users.map((user) => {
                    const name = userLabel(user);
                    const options = roleNames.includes(user.role) ? roleNames : [user.role, ...roleNames];
                    const busy = busyUser === user.id;
                    const lastAdmin = activeAdmins.data === 1 && user.role === ADMIN && user.active;
                    const lastAdminNote = `last-admin-${user.id}`;
                    return (
                      <tr key={user.id} data-user={user.userName}>
                        <td data-label="User" class="cell-grow">
                          <span class="stack">
                            <span class="strong">{name ?? user.userName}</span>
                            {name && <span class="muted small">{user.userName}</span>}
                            {user.scimManaged && (
                              <span class="muted small" data-idp-managed>
                                Email and name come from your identity provider
                              </span>
                            )}
                          </span>
                        </td>
                        <td data-label="Role">
                          <span class="stack">
                            {user.roleSource === 'group' ? (
                              <span class="role-source" data-role-source="group">
                                <span class="strong">{user.role}</span>
                                <span class="muted small">
                                  From the group{' '}
                                  <a href={pageHref('groups')} onClick={(event) => followLink(event, pageHref('groups'))}>
                                    {user.roleGroup?.displayName}
                                  </a>
                                </span>
                              </span>
                            ) : (
                              <>
                                <label class="visually-hidden" for={`role-${user.id}`}>
                                  Role of {user.userName}
                                </label>
                                <select
                                  id={`role-${user.id}`}
                                  class="select select-small"
                                  value={user.role}
                                  disabled={busy || !roles.data || lastAdmin}
                                  aria-describedby={lastAdmin ? lastAdminNote : undefined}
                                  onChange={(e) => {
                                    const select = e.target as HTMLSelectElement;
                                    const role = select.value;
                                    // Shown as it was until the change is confirmed.
                                    select.value = user.role;
                                    setConfirming({ user, role });
                                  }}
                                >
                                  {options.map((r) => (
                                    <option key={r} value={r}>
                                      {r}
                                    </option>
                                  ))}
                                </select>
                              </>
                            )}
                            {lastAdmin && (
                              <span id={lastAdminNote} class="muted small last-admin" data-last-admin>
                                The only active Admin: make another user an Admin before changing this role or deactivating them.
                              </span>
                            )}
                          </span>
                        </td>
                        <td data-label="Status" class="cell-fit">
                          {user.active ? <Badge tone="success">Active</Badge> : <Badge>Inactive</Badge>}
                        </td>
                        <td class="cell-actions">
                          {!user.scimManaged && (
                            <button
                              type="button"
                              class="btn btn-ghost btn-small"
                              disabled={busy}
                              aria-label={`Edit the email and name of ${user.userName}`}
                              onClick={() => {
                                setMessage(undefined);
                                setEditing(user);
                              }}
                            >
                              Edit
                            </button>
                          )}
                          <a
                            class="btn btn-ghost btn-small"
                            href={`${pageHref('audit-log')}?targetType=user&targetId=${user.id}`}
                            aria-label={`History of ${user.userName}`}
                            onClick={(event) => followLink(event, `${pageHref('audit-log')}?targetType=user&targetId=${user.id}`)}
                          >
                            History
                          </a>
                          {user.active ? (
                            <button
                              type="button"
                              class="btn btn-ghost-danger btn-small"
                              disabled={busy || lastAdmin}
                              aria-describedby={lastAdmin ? lastAdminNote : undefined}
                              aria-label={`Deactivate ${user.userName}`}
                              onClick={() => setDeactivating(user)}
                            >
                              Deactivate
                            </button>
                          ) : (
                            <button
                              type="button"
                              class="btn btn-ghost btn-small"
                              disabled={busy}
                              aria-label={`Reactivate ${user.userName}`}
                              onClick={() => void update(user, { active: true })}
                            >
                              Reactivate
                            </button>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              <LoadMore shown={Boolean(last?.nextCursor)} loading={loadingMore} onClick={() => void loadMore()} />
            </div>
          )}
        </>
      )}
      {confirming && (
        <Dialog
          title={`Make ${confirming.user.userName} ${confirming.role}?`}
          size="small"
          onClose={() => setConfirming(undefined)}
          footer={
            <>
              <button type="button" class="btn btn-secondary" data-autofocus onClick={() => setConfirming(undefined)}>
                Cancel
              </button>
              <button
                type="button"
                class="btn btn-primary"
                onClick={() => {
                  const { user, role } = confirming;
                  setConfirming(undefined);
                  void update(user, { role });
                }}
              >
                Change role
              </button>
            </>
          }
        >
          <p>
            {confirming.user.userName} is {confirming.user.role} now.{' '}
            {confirming.role === ADMIN ? 'An Admin has full access to the organization, its settings and its API keys.' : ''}
          </p>
          {confirming.user.externalId && (
            <Notice tone="warning">
              This user is provisioned by your identity provider: if it sends a role (<code>userType</code>), its next sync sets
              the role again. Change it there to make it last.
            </Notice>
          )}
        </Dialog>
      )}
      {editing && (
        <EditUserDialog
          user={editing}
          onClose={() => setEditing(undefined)}
          onRefused={() => void list.reload()}
          onSaved={(updated) => {
            setEditing(undefined);
            const name = userLabel(updated);
            // Said once the list shows the change, so that the message and the table agree.
            void list
              .reload()
              .then(() => setMessage({ tone: 'success', text: `Saved: ${updated.userName}${name ? ` (${name})` : ''}.` }));
          }}
        />
      )}
      {deactivating && (
        <Dialog
          title={`Deactivate ${deactivating.userName}?`}
          tone="danger"
          size="small"
          onClose={() => setDeactivating(undefined)}
          footer={
            <>
              <button type="button" class="btn btn-secondary" data-autofocus onClick={() => setDeactivating(undefined)}>
                Cancel
              </button>
              <button
                type="button"
                class="btn btn-danger"
                onClick={() => {
                  const user = deactivating;
                  setDeactivating(undefined);
                  void update(user, { active: false });
                }}
              >
                Deactivate
              </button>
            </>
          }
        >
          <p>
            The user is kept with their role and can be reactivated here or by your identity provider. If SCIM is on, your
            identity provider may reactivate them on its next sync.
          </p>
        </Dialog>
      )}
    </>
  );
}

/**
 * The email and full name of a user no identity provider manages (the first start's Admin, the CLI's):
 * an identity provider's users are edited there, and the API refuses (409) with a sentence saying so.
 */
function EditUserDialog({
  user,
  onClose,
  onSaved,
  onRefused,
}: {
  user: User;
  onClose: () => void;
  onSaved: (user: User) => void;
  /** A 409: the page may be out of date (an identity provider manages the user by now). */
  onRefused: () => void;
}) {
  const { api } = useSession();
  const initialName = userLabel(user) ?? '';
  const [email, setEmail] = useState(user.userName);
  const [name, setName] = useState(initialName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!email.trim()) return setError('Enter an email address: it is how the user signs in and where their emails go.');
    if (overLimit(email, TEXT_LIMITS.email))
      return setError(`Shorten the email address to at most ${TEXT_LIMITS.email} characters.`);
    if (overLimit(name, TEXT_LIMITS.fullName)) return setError(`Shorten the name to at most ${TEXT_LIMITS.fullName} characters.`);
    const change: UserUpdate = {};
    if (email.trim() !== user.userName) change.email = email.trim();
    // An emptied name removes it.
    if (name.trim() !== initialName) change.name = name.trim() || null;
    if (Object.keys(change).length === 0) return onClose();
    setBusy(true);
    setError(undefined);
    try {
      onSaved(await api.updateUser(user.id, change));
    } catch (e) {
      // The server's sentence: an address another user has, or an identity provider that manages the user by now.
      setError(describeError(e));
      setBusy(false);
      if (e instanceof ApiError && e.status === 409) onRefused();
    }
  };

  return (
    <Dialog
      title={`Edit ${user.userName}`}
      size="small"
      onClose={onClose}
      footer={<FormFooter form="edit-user-form" busy={busy} onCancel={onClose} />}
    >
      <form id="edit-user-form" onSubmit={submit} noValidate>
        <p class="dialog-intro">
          This user was created by Torii's first start or its command line, not by an identity provider, so it is edited here.
          Users your identity provider provisions are edited there.
        </p>
        <div class="field">
          <label class="label" for="edit-user-email">
            Email
          </label>
          <LimitedInput
            id="edit-user-email"
            type="email"
            value={email}
            limit={TEXT_LIMITS.email}
            required
            describedBy="edit-user-email-hint"
            onValue={setEmail}
          />
          <p id="edit-user-email-hint" class="hint">
            Also the user's username. An Admin's reminders and alerts go to the new address from the next email on.
          </p>
        </div>
        <div class="field">
          <label class="label" for="edit-user-name">
            Full name <span class="label-note">Optional</span>
          </label>
          <LimitedInput id="edit-user-name" value={name} limit={TEXT_LIMITS.fullName} onValue={setName} />
        </div>
        {error && (
          <Notice tone="danger" title="Could not save">
            {error}
          </Notice>
        )}
      </form>
    </Dialog>
  );
}
