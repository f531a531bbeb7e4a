import { useState } from 'preact/hooks';
import { describeError, type Group, type Page, type RoleMapping, type User } from '../api';
import { Dialog, FormFooter } from '../components/dialog';
import { Badge, EmptyState, Loading, LoadError, LoadMore, Notice, PageHeader, useAsync } from '../components/ui';
import { useSession } from '../context';
import { plural, userLabel } from '../format';

type Editing = { group: Group; mapping?: RoleMapping };

/**
 * Groups pushed by the identity provider (read-only here) and the role mappings that give their
 * members a role. A mapping change applies to the members at once, on the server, in one request.
 */
export function GroupsPage() {
  const { api } = useSession();
  const roles = useAsync(() => api.roles());
  const mappings = useAsync(() => api.roleMappings());
  const groups = useAsync(() => api.groups());
  const [more, setMore] = useState<{ after: Page<Group>; pages: Page<Group>[] }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [editing, setEditing] = useState<Editing>();
  const [removing, setRemoving] = useState<RoleMapping>();
  const [showing, setShowing] = useState<Group>();
  const [message, setMessage] = useState<{ tone: 'success' | 'danger'; text: string }>();

  const first = groups.data;
  const pages = first ? [first, ...(more?.after === first ? more.pages : [])] : [];
  const list = pages.flatMap((p) => p.items);
  const last = pages[pages.length - 1];
  const mappingOf = (group: Group) => mappings.data?.find((m) => m.groupId === group.id);

  const loadMore = async () => {
    if (!last?.nextCursor) return;
    setLoadingMore(true);
    try {
      setMore({ after: first!, pages: [...pages.slice(1), await api.groups(last.nextCursor)] });
    } catch (e) {
      setMessage({ tone: 'danger', text: describeError(e) });
    } finally {
      setLoadingMore(false);
    }
  };

  /** Said once the tables show the change, so that the message and the tables agree. */
  const changed = async (text: string) => {
    setMore(undefined);
    await Promise.all([mappings.reload(), groups.reload(), roles.reload()]);
    setMessage({ tone: 'success', text });
  };

  return (
    <>
      <PageHeader
        title="Groups"
        description={
          <>
            Groups come from your identity provider (Okta's Push Groups, Entra's group provisioning). Map a group to a role and
            its members get that role at once, over the <code>userType</code> the identity provider sends; when they leave the
            group they get their own role back.
          </>
        }
      />
      {message && (
        <div role={message.tone === 'danger' ? undefined : 'status'}>
          <Notice tone={message.tone}>{message.text}</Notice>
        </div>
      )}

      <section class="section" aria-labelledby="role-mappings-title">
        <h2 id="role-mappings-title" class="section-title">
          Role mappings {mappings.data && <span class="count">{mappings.data.length}</span>}
        </h2>
        <p class="section-note">
          In order of precedence: a user in several mapped groups gets the role of the first one listed (the lowest priority
          number).
        </p>
        {mappings.error && !mappings.data ? (
          <LoadError error={mappings.error} onRetry={mappings.reload} />
        ) : !mappings.data ? (
          <Loading />
        ) : (
          <div class="card card-flush table-scroll">
            {mappings.data.length === 0 ? (
              <p class="empty-inline">No group gives a role yet. Use "Map to role" on a group below.</p>
            ) : (
              <table class="table table-responsive">
                <thead>
                  <tr>
                    <th scope="col" class="num">
                      Priority
                    </th>
                    <th scope="col">Group</th>
                    <th scope="col">Role</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {mappings.data.map((mapping) => (
                    <tr key={mapping.id} data-mapping={mapping.groupDisplayName}>
                      <td data-label="Priority" class="num">
                        {mapping.priority}
                      </td>
                      <td data-label="Group">
                        <span class="strong">{mapping.groupDisplayName}</span>
                      </td>
                      <td data-label="Role">
                        <Badge tone="accent" text>
                          {mapping.role}
                        </Badge>
                      </td>
                      <td class="cell-actions">
                        <div class="row-actions">
                          <button
                            type="button"
                            class="btn btn-ghost btn-small"
                            aria-label={`Change the mapping of ${mapping.groupDisplayName}`}
                            onClick={() =>
                              setEditing({
                                group: list.find((g) => g.id === mapping.groupId) ?? groupOf(mapping),
                                mapping,
                              })
                            }
                          >
                            Change
                          </button>
                          <button
                            type="button"
                            class="btn btn-ghost-danger btn-small"
                            aria-label={`Delete the mapping of ${mapping.groupDisplayName}`}
                            onClick={() => setRemoving(mapping)}
                          >
                            Delete
                          </button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        )}
      </section>

      <section class="section" aria-labelledby="groups-title">
        <h2 id="groups-title" class="section-title">
          Groups {last && <span class="count">{last.total}</span>}
        </h2>
        {groups.error && !first ? (
          <LoadError error={groups.error} onRetry={groups.reload} />
        ) : !first ? (
          <Loading />
        ) : list.length === 0 ? (
          <div class="card">
            <EmptyState title="No groups yet">
              Push a group from Okta (Push Groups) or assign one to the application in Entra; it appears here after the next sync.
            </EmptyState>
          </div>
        ) : (
          <div class="card card-flush table-scroll">
            <table class="table table-responsive">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col" class="num">
                    Members
                  </th>
                  <th scope="col">Role of its members</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((group) => {
                  const mapping = mappingOf(group);
                  return (
                    <tr key={group.id} data-group={group.displayName}>
                      <td data-label="Group">
                        <span class="stack">
                          <span class="strong">{group.displayName}</span>
                          {group.externalId && <span class="muted small">External ID {group.externalId}</span>}
                        </span>
                      </td>
                      <td data-label="Members" class="num">
                        <button
                          type="button"
                          class="btn btn-link"
                          aria-label={`Show the ${plural(group.memberCount, 'member')} of ${group.displayName}`}
                          onClick={() => setShowing(group)}
                        >
                          {group.memberCount}
                        </button>
                      </td>
                      <td data-label="Role of its members">
                        {mapping ? (
                          <Badge tone="accent" text>
                            {mapping.role}
                          </Badge>
                        ) : (
                          <span class="muted">Their own</span>
                        )}
                      </td>
                      <td class="cell-actions">
                        <button
                          type="button"
                          class="btn btn-ghost btn-small"
                          aria-label={`${mapping ? 'Change the mapping of' : 'Map to a role:'} ${group.displayName}`}
                          disabled={!mappings.data}
                          onClick={() => setEditing({ group, mapping })}
                        >
                          {mapping ? 'Change role' : 'Map to role'}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <LoadMore shown={Boolean(last?.nextCursor)} loading={loadingMore} onClick={() => void loadMore()} />
          </div>
        )}
      </section>

      {editing && (
        <MappingDialog
          editing={editing}
          roles={roles.data?.map((r) => r.name) ?? []}
          onClose={() => setEditing(undefined)}
          onSaved={(mapping) => {
            setEditing(undefined);
            void changed(`Members of "${mapping.groupDisplayName}" now have the role ${mapping.role}.`);
          }}
        />
      )}
      {removing && (
        <DeleteMappingDialog
          mapping={removing}
          onClose={() => setRemoving(undefined)}
          onDeleted={() => {
            const text = `"${removing.groupDisplayName}" no longer gives a role; its members have their own role back.`;
            setRemoving(undefined);
            void changed(text);
          }}
        />
      )}
      {showing && <MembersDialog group={showing} onClose={() => setShowing(undefined)} />}
    </>
  );
}

/** The group of a mapping when it is not on the loaded pages of the groups table. */
function groupOf(mapping: RoleMapping): Group {
  return {
    id: mapping.groupId,
    displayName: mapping.groupDisplayName,
    externalId: null,
    memberCount: 0,
    role: mapping.role,
    roleMappingId: mapping.id,
    createdAt: mapping.createdAt,
    updatedAt: mapping.updatedAt,
  };
}

function MappingDialog({
  editing,
  roles,
  onClose,
  onSaved,
}: {
  editing: Editing;
  roles: string[];
  onClose: () => void;
  onSaved: (mapping: RoleMapping) => void;
}) {
  const { api } = useSession();
  const { group, mapping } = editing;
  const [role, setRole] = useState(mapping?.role ?? '');
  const [priority, setPriority] = useState(mapping ? String(mapping.priority) : '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!role) {
      setError('Choose the role its members get.');
      return;
    }
    const number = priority.trim() === '' ? undefined : Number(priority);
    if (number !== undefined && (!Number.isInteger(number) || number < 0 || number > 1_000_000)) {
      setError('Priority is a whole number from 0 to 1,000,000, or empty to put the mapping last.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const saved = mapping
        ? await api.updateRoleMapping(mapping.id, { role, ...(number === undefined ? {} : { priority: number }) })
        : await api.createRoleMapping({ groupId: group.id, role, ...(number === undefined ? {} : { priority: number }) });
      onSaved(saved);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={mapping ? `Change the role of "${group.displayName}"` : `Map "${group.displayName}" to a role`}
      size="small"
      onClose={onClose}
      footer={<FormFooter form="mapping-form" busy={busy} onCancel={onClose} label={mapping ? 'Save' : 'Map to role'} />}
    >
      <form id="mapping-form" onSubmit={submit} noValidate>
        <div class="field">
          <label for="mapping-role" class="label">
            Role of its members
          </label>
          <select id="mapping-role" class="select" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
            <option value="" disabled>
              Choose a role
            </option>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="mapping-priority" class="label">
            Priority <span class="label-note">Optional</span>
          </label>
          <input
            id="mapping-priority"
            class="input"
            type="number"
            min={0}
            max={1000000}
            step={1}
            value={priority}
            aria-describedby="mapping-priority-hint"
            onInput={(e) => setPriority((e.target as HTMLInputElement).value)}
          />
          <p id="mapping-priority-hint" class="hint">
            For users in several mapped groups, the lowest number wins. {mapping ? '' : 'Empty: after every existing mapping.'}
          </p>
        </div>
        <p class="hint">
          Takes effect at once for {group.memberCount > 0 ? plural(group.memberCount, 'member') : 'its members'}. Their own role
          is kept and comes back when they leave the group or the mapping is deleted.
        </p>
        {error && <Notice tone="danger">{error}</Notice>}
      </form>
    </Dialog>
  );
}

function DeleteMappingDialog({
  mapping,
  onClose,
  onDeleted,
}: {
  mapping: RoleMapping;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.deleteRoleMapping(mapping.id);
      onDeleted();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Stop giving ${mapping.role} to "${mapping.groupDisplayName}"?`}
      tone="danger"
      size="small"
      onClose={onClose}
      footer={
        <>
          <button type="button" class="btn btn-secondary" data-autofocus onClick={onClose}>
            Cancel
          </button>
          <button type="button" class="btn btn-danger" disabled={busy} onClick={remove}>
            {busy ? 'Deleting…' : 'Delete mapping'}
          </button>
        </>
      }
    >
      <p>
        Its members get the role of their next mapped group, or their own role (the one your identity provider sends as{' '}
        <code>userType</code>, or Employee). The group itself stays.
      </p>
      {error && <Notice tone="danger">{error}</Notice>}
    </Dialog>
  );
}

function MembersDialog({ group, onClose }: { group: Group; onClose: () => void }) {
  const { api } = useSession();
  const [pages, setPages] = useState<Page<User>[]>([]);
  const first = useAsync(() => api.groupMembers(group.id), [group.id]);
  const all = first.data ? [first.data, ...pages] : [];
  const users = all.flatMap((p) => p.items);
  const last = all[all.length - 1];
  const [loading, setLoading] = useState(false);
  return (
    <Dialog
      title={`Members of "${group.displayName}"`}
      onClose={onClose}
      footer={
        <button type="button" class="btn btn-secondary" onClick={onClose}>
          Done
        </button>
      }
    >
      {first.error && !first.data ? (
        <LoadError error={first.error} onRetry={first.reload} />
      ) : !first.data ? (
        <Loading />
      ) : users.length === 0 ? (
        <p class="muted">No members.</p>
      ) : (
        <>
          <ul class="plain-list" aria-label={`Members of ${group.displayName}`}>
            {users.map((user) => {
              const name = userLabel(user);
              return (
                <li key={user.id} data-member={user.userName}>
                  <span class="strong">{name ?? user.userName}</span>
                  {name && <span class="muted small">{user.userName}</span>}
                  <Badge>{user.role}</Badge>
                </li>
              );
            })}
          </ul>
          {last?.nextCursor && (
            <button
              type="button"
              class="btn btn-secondary btn-small"
              disabled={loading}
              onClick={async () => {
                setLoading(true);
                try {
                  const next = await api.groupMembers(group.id, last.nextCursor);
                  setPages((p) => [...p, next]);
                } finally {
                  setLoading(false);
                }
              }}
            >
              {loading ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
    </Dialog>
  );
}
