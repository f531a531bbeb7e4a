import { useState } from 'preact/hooks';
import { describeError, type Role } from '../api';
import { TEXT_LIMITS } from '@app/api-types/limits';
import { Dialog, FormFooter } from '../components/dialog';
import { LimitedInput, overLimit } from '../components/limited-input';
import { Badge, Loading, LoadError, Notice, PageHeader, useAsync } from '../components/ui';
import { useSession } from '../context';
import { plural } from '../format';
import { followLink, pageHref } from '../router';

type Editing = { mode: 'create' } | { mode: 'rename'; role: Role };

export function RolesPage() {
  const { api } = useSession();
  const roles = useAsync(() => api.roles());
  const [editing, setEditing] = useState<Editing>();
  const [deleting, setDeleting] = useState<Role>();
  const [done, setDone] = useState<string>();

  const predefined = roles.data?.filter((r) => r.predefined) ?? [];
  const custom = roles.data?.filter((r) => !r.predefined) ?? [];

  return (
    <>
      <PageHeader
        title="Roles"
        description={
          <>
            A user's role decides what they can do in Torii. Identity providers set it through the SCIM <code>userType</code>{' '}
            attribute; pre-defined roles cannot be changed, custom roles are yours to name.
          </>
        }
        actions={
          <button type="button" class="btn btn-primary" onClick={() => setEditing({ mode: 'create' })}>
            <svg viewBox="0 0 20 20" width="14" height="14" aria-hidden="true" class="btn-icon">
              <path d="M10 4v12M4 10h12" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
            </svg>
            Create role
          </button>
        }
      />
      {done && (
        <div role="status">
          <Notice tone="success">{done}</Notice>
        </div>
      )}
      {roles.error && !roles.data ? (
        <LoadError error={roles.error} onRetry={roles.reload} />
      ) : !roles.data ? (
        <Loading />
      ) : (
        <>
          <RoleTable
            title="Pre-defined roles"
            roles={predefined}
            onRename={(role) => setEditing({ mode: 'rename', role })}
            onDelete={setDeleting}
          />
          <RoleTable
            title="Custom roles"
            roles={custom}
            empty="No custom roles yet. Create one when the pre-defined roles do not fit."
            onRename={(role) => setEditing({ mode: 'rename', role })}
            onDelete={setDeleting}
          />
        </>
      )}
      {editing && (
        <RoleDialog
          editing={editing}
          onClose={() => setEditing(undefined)}
          onSaved={(role) => {
            const message =
              editing.mode === 'create' ? `The role "${role.name}" was created.` : `The role was renamed to "${role.name}".`;
            setEditing(undefined);
            // Said once the tables show the change, so that the message and the tables agree.
            void roles.reload().then(() => setDone(message));
          }}
        />
      )}
      {deleting && (
        <DeleteRoleDialog
          role={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={() => {
            const message = `The role "${deleting.name}" was deleted.`;
            setDeleting(undefined);
            void roles.reload().then(() => setDone(message));
          }}
        />
      )}
    </>
  );
}

interface RoleTableProps {
  title: string;
  roles: Role[];
  empty?: string;
  onRename: (role: Role) => void;
  onDelete: (role: Role) => void;
}

function RoleTable({ title, roles, empty, onRename, onDelete }: RoleTableProps) {
  const id = `roles-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section class="section" aria-labelledby={id}>
      <h2 id={id} class="section-title">
        {title} <span class="count">{roles.length}</span>
      </h2>
      <div class="card card-flush table-scroll">
        {roles.length === 0 ? (
          <p class="empty-inline">{empty}</p>
        ) : (
          <table class="table table-responsive">
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Description</th>
                <th scope="col" class="num">
                  Users
                </th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {roles.map((role) => (
                <tr key={role.id} data-role={role.name}>
                  <td data-label="Role">
                    <span class="role-name">
                      <span class="strong">{role.name}</span>{' '}
                      {role.predefined ? <Badge>Pre-defined</Badge> : <Badge tone="accent">Custom</Badge>}
                    </span>
                  </td>
                  <td data-label="Description" class="cell-wrap">
                    {role.description ? <span>{role.description}</span> : <span class="muted">—</span>}
                  </td>
                  <td data-label="Users" class="num">
                    {role.userCount > 0 ? (
                      <a
                        href={membersOf(role)}
                        aria-label={`${plural(role.userCount, 'user')} with the role ${role.name}`}
                        onClick={(e) => followLink(e, membersOf(role))}
                      >
                        {role.userCount}
                      </a>
                    ) : (
                      role.userCount
                    )}
                  </td>
                  <td class="cell-actions">
                    {!role.predefined && (
                      <div class="row-actions">
                        <button
                          type="button"
                          class="btn btn-ghost btn-small"
                          aria-label={`Rename role ${role.name}`}
                          onClick={() => onRename(role)}
                        >
                          Rename
                        </button>
                        <button
                          type="button"
                          class="btn btn-ghost-danger btn-small"
                          aria-label={`Delete role ${role.name}`}
                          onClick={() => onDelete(role)}
                        >
                          Delete
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}

function RoleDialog({ editing, onClose, onSaved }: { editing: Editing; onClose: () => void; onSaved: (role: Role) => void }) {
  const { api } = useSession();
  const original = editing.mode === 'rename' ? editing.role : undefined;
  const [name, setName] = useState(original?.name ?? '');
  const [description, setDescription] = useState(original?.description ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // Names are matched case-insensitively: only a different name stops identity providers' userType from matching.
  const renamed = Boolean(original && name.trim() && name.trim().toLowerCase() !== original.name.toLowerCase());

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!name.trim()) {
      setError('Give the role a name.');
      return;
    }
    if (overLimit(name, TEXT_LIMITS.roleName) || overLimit(description, TEXT_LIMITS.description)) {
      setError(
        overLimit(name, TEXT_LIMITS.roleName)
          ? `Shorten the name to at most ${TEXT_LIMITS.roleName} characters.`
          : `Shorten the description to at most ${TEXT_LIMITS.description} characters.`,
      );
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const role = original
        ? await api.updateRole(original.id, { name: name.trim(), description: description.trim() || null })
        : await api.createRole({ name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}) });
      onSaved(role);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={original ? `Rename role "${original.name}"` : 'Create a custom role'}
      size="small"
      onClose={onClose}
      footer={<FormFooter form="role-form" busy={busy} onCancel={onClose} label={original ? 'Save' : 'Create role'} />}
    >
      <form id="role-form" onSubmit={submit} noValidate>
        <div class="field">
          <label for="role-name" class="label">
            Name
          </label>
          <LimitedInput
            id="role-name"
            required
            value={name}
            limit={TEXT_LIMITS.roleName}
            invalid={Boolean(error) && !name.trim()}
            describedBy="role-name-hint"
            onValue={setName}
          />
          <p id="role-name-hint" class="hint">
            Unique in your organization, case-insensitively, pre-defined names included. This is the value identity providers send
            as <code>userType</code>.
          </p>
        </div>
        {renamed && (
          <div role="status">
            <Notice tone="warning" title={`Identity providers that send "${original!.name}" will be refused`}>
              Once renamed, a SCIM request whose <code>userType</code> is "{original!.name}" is refused (400), and the user is not
              created or updated. Change the value your identity provider sends (in Okta, the <code>userType</code> mapping of the
              Torii app; in Entra ID, the app's attribute mapping) to "{name.trim()}" at the same time.
              {original!.userCount > 0 &&
                ` The ${plural(original!.userCount, 'user')} with this role keep${original!.userCount === 1 ? 's' : ''} it under its new name.`}
            </Notice>
          </div>
        )}
        <div class="field">
          <label for="role-description" class="label">
            Description <span class="label-note">Optional</span>
          </label>
          <LimitedInput id="role-description" value={description} limit={TEXT_LIMITS.description} onValue={setDescription} />
        </div>
        {error && <Notice tone="danger">{error}</Notice>}
      </form>
    </Dialog>
  );
}

function DeleteRoleDialog({ role, onClose, onDeleted }: { role: Role; onClose: () => void; onDeleted: () => void }) {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.deleteRole(role.id);
      onDeleted();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Delete role "${role.name}"?`}
      tone="danger"
      size="small"
      onClose={onClose}
      footer={
        <>
          <button type="button" class="btn btn-secondary" data-autofocus onClick={onClose}>
            Cancel
          </button>
          <button type="button" class="btn btn-danger" disabled={busy || role.userCount > 0} onClick={remove}>
            {busy ? 'Deleting…' : 'Delete role'}
          </button>
        </>
      }
    >
      <p>
        {role.userCount > 0 ? (
          <>
            <a href={membersOf(role)} onClick={(e) => followLink(e, membersOf(role))}>
              {plural(role.userCount, 'user')}
            </a>{' '}
            still {role.userCount === 1 ? 'has' : 'have'} this role. Give them another role first (or change the role your
            identity provider sends them); a role with users cannot be deleted.
          </>
        ) : (
          'No user has this role. Identity providers that still send it as userType will be refused.'
        )}
      </p>
      {error && <Notice tone="danger">{error}</Notice>}
    </Dialog>
  );
}

/** The Members page, filtered to the users of a role. */
function membersOf(role: Role): string {
  return `${pageHref('members')}?role=${encodeURIComponent(role.name)}`;
}
