/**
 * The soak's clients: Okta- and Entra-shaped identity providers (several connections each) and an
 * admin per organization, with what each was told about every user, group and role mapping; then
 * the check of the final state, read back through the API, against it.
 *
 * Each user is written by one connection at a time (the one that created it), so its expected final
 * state is the last one the server acknowledged. A write whose outcome stays unknown (the client gave
 * up retrying) leaves two possible states, and the user is not written again. Memberships are
 * pairs (group, user), written only by the user's connection; several of them push the same groups
 * at once, and one connection pushes several groups at once.
 */
import { Answer, Cluster, Request } from './cluster';

export type Kind = 'okta' | 'entra';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Groups each organization's identity provider pushes. */
export const GROUPS_PER_ORGANIZATION = 4;
/** Live users one connection keeps at most (it creates until then, then mostly updates). */
const USERS_PER_CONNECTION = 25;
/** Own roles (userType) the identity providers set; the mappings give Read-only, Procurement and IT Admin. */
const OWN_ROLES = ['Employee', 'Procurement'];

interface UserState {
  /** Absent: never created, or deleted. */
  deleted: boolean;
  active: boolean;
  displayName: string;
  title: string;
  givenName: string;
  familyName: string;
  /** The role the user has outside mapped groups (its userType, Employee by default). */
  ownRole: string;
}

interface TrackedUser {
  userName: string;
  externalId: string;
  id?: string;
  state: UserState;
  /** Set when a write's outcome is unknown: the server may hold this state instead. */
  either?: UserState;
}

type Membership = 'in' | 'out' | 'either';

interface TrackedGroup {
  displayName: string;
  id?: string;
  /** Created, or its creation's outcome unknown (then not pushed). */
  unknown?: boolean;
  members: Map<TrackedUser, Membership>;
}

interface MappingState {
  role: string;
  priority: number;
}

interface TrackedMapping {
  group: TrackedGroup;
  id?: string;
  state?: MappingState;
  /** Set when a write's outcome is unknown: the server may hold this instead (undefined: no mapping). */
  either?: MappingState | null;
}

export interface SoakOrganization {
  index: number;
  name: string;
  id: string;
  adminUserId: string;
  apiKey: string;
  scimKey: string;
  kind: Kind;
  users: TrackedUser[];
  groups: TrackedGroup[];
  mappings: TrackedMapping[];
}

/** Answers no client expected (a 4xx to a legal request, a user it was told exists not found). */
export const unexpected: string[] = [];
let unexpectedCount = 0;
export const unexpectedAnswers = (): number => unexpectedCount;

function surprise(org: SoakOrganization, what: string, answer: Answer): void {
  unexpectedCount += 1;
  if (unexpected.length < 10) unexpected.push(`${org.name}: ${what}: ${answer.status} ${JSON.stringify(answer.body ?? '')}`);
}

/** A small seeded generator (mulberry32), one per client, so that a seed replays the same choices. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function newOrganization(
  index: number,
  created: { organizationId: string; organizationName: string; adminUserId: string; apiKey: string; scimKey: string },
): SoakOrganization {
  const groups = Array.from({ length: GROUPS_PER_ORGANIZATION }, (_, g) => ({
    displayName: `Soak ${index} Group ${g}`,
    members: new Map<TrackedUser, Membership>(),
  }));
  return {
    index,
    name: created.organizationName,
    id: created.organizationId,
    adminUserId: created.adminUserId,
    apiKey: created.apiKey,
    scimKey: created.scimKey,
    kind: index % 2 === 0 ? 'okta' : 'entra',
    users: [],
    groups,
    mappings: [],
  };
}

// ---------------------------------------------------------------- request shapes (test/support/scim.ts, test/scim-*-flow.e2e-spec.ts)

/** The body Okta's Torii app sends on create, as test/support/scim.ts's oktaCreateBody. */
function oktaUserBody(user: TrackedUser, state: UserState, userType?: string): Record<string, unknown> {
  return {
    schemas: [CORE_USER],
    userName: user.userName,
    name: { givenName: state.givenName, familyName: state.familyName },
    emails: [{ primary: true, value: user.userName, type: 'work' }],
    displayName: state.displayName,
    locale: 'en-US',
    externalId: user.externalId,
    groups: [],
    password: 'Sup3r-Secret!pw',
    active: state.active,
    ...(state.title ? { title: state.title } : {}),
    ...(userType ? { userType } : {}),
  };
}

/** Entra's create, as test/scim-entra-flow.e2e-spec.ts's entraCreateBody. */
function entraUserBody(user: TrackedUser, state: UserState): Record<string, unknown> {
  return {
    schemas: [CORE_USER, ENTERPRISE_USER],
    externalId: user.externalId,
    userName: user.userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: user.userName }],
    meta: { resourceType: 'User' },
    name: { formatted: `${state.givenName} ${state.familyName}`, familyName: state.familyName, givenName: state.givenName },
    displayName: state.displayName,
    roles: [],
  };
}

const patch = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });

/** Okta's existence check (spaces as +), Entra's matching query (spaces as %20). */
function existencePath(kind: Kind, userName: string): string {
  const filter = `userName eq "${userName}"`;
  return kind === 'okta'
    ? `/scim/v2/Users?filter=${encodeURIComponent(filter).replace(/%20/g, '+')}&startIndex=1&count=100`
    : `/scim/v2/Users?filter=${encodeURIComponent(filter)}`;
}

// ---------------------------------------------------------------- one connection of an identity provider

interface Context {
  cluster: Cluster;
  /** performance.now() at which the clients stop starting new steps. */
  until: number;
}

/**
 * One connection of an organization's identity provider: creates its share of the groups (a group
 * push starts with POST /Groups), then, until `until`, creates users (existence check first),
 * updates, deactivates and reactivates them, deletes some (Entra), reads them, and pushes memberships
 * of its users to several groups at once.
 */
export async function identityProviderConnection(
  org: SoakOrganization,
  connection: number,
  connections: number,
  ctx: Context,
  rng: () => number,
): Promise<void> {
  const send = (request: Omit<Request, 'key'>) => ctx.cluster.send({ ...request, key: org.scimKey });
  const pick = <T>(list: T[]): T => list[Math.floor(rng() * list.length)];
  const mine: TrackedUser[] = [];
  let created = 0;

  for (let g = connection; g < org.groups.length; g += connections) await createGroup(org.groups[g]);

  while (performance.now() < ctx.until) {
    const live = mine.filter((u) => u.id !== undefined && !u.either && !u.state.deleted);
    const r = rng();
    if (live.length < 4 || (live.length < USERS_PER_CONNECTION && r < 0.2)) {
      await createUser();
      continue;
    }
    const user = pick(live);
    const s = rng();
    if (s < 0.35) await update(user);
    else if (s < 0.5) await setActive(user, !user.state.active);
    else if (s < 0.75) await pushGroups(live);
    else if (s < 0.85) await read(user);
    else if (s < 0.9 && org.kind === 'entra') await remove(user);
    else await exists(user);
  }

  async function createGroup(group: TrackedGroup): Promise<void> {
    const body =
      org.kind === 'okta'
        ? { schemas: [GROUP], displayName: group.displayName, members: [] }
        : { schemas: [GROUP], displayName: group.displayName, externalId: `ext-${org.index}-${group.displayName}`, members: [] };
    const answer = await send({ method: 'POST', path: '/scim/v2/Groups', body });
    if (answer.status === 201) group.id = answer.body.id;
    else if (answer.status === 409 && answer.mayHaveHappened) {
      // The cut attempt created it: find it, as Okta does before it pushes.
      const found = await send({
        method: 'GET',
        path: `/scim/v2/Groups?filter=${encodeURIComponent(`displayName eq "${group.displayName}"`)}&excludedAttributes=members`,
      });
      group.id = found.body?.Resources?.[0]?.id;
      if (!group.id) surprise(org, `group ${group.displayName} answered 409 but is not found`, found);
    } else if (answer.unknown) group.unknown = true;
    else surprise(org, `POST /Groups ${group.displayName}`, answer);
  }

  async function createUser(): Promise<void> {
    const n = ++created;
    const userName = `${org.kind}${connection}-${n}@org${org.index}.soak.test`;
    const user: TrackedUser = {
      userName,
      externalId: org.kind === 'okta' ? `00u${connection}x${n}` : `${org.index}-${connection}-${n}-${Math.floor(rng() * 1e9)}`,
      state: {
        deleted: true,
        active: true,
        displayName: `Given ${n} Family ${connection}`,
        title: '',
        givenName: `Given ${n}`,
        familyName: `Family ${connection}`,
        ownRole: 'Employee',
      },
    };
    mine.push(user);
    org.users.push(user);
    const check = await send({ method: 'GET', path: existencePath(org.kind, userName) });
    if (check.status !== 200 || check.body.totalResults !== 0) surprise(org, `existence check of new ${userName}`, check);
    const createdState = { ...user.state, deleted: false };
    const body = org.kind === 'okta' ? oktaUserBody(user, createdState) : entraUserBody(user, createdState);
    const answer = await send({ method: 'POST', path: '/scim/v2/Users', body });
    if (answer.status === 201) {
      user.id = answer.body.id;
      user.state = createdState;
    } else if (answer.status === 409 && answer.mayHaveHappened) {
      // The cut attempt created it; the retry met it: look it up, as Okta and Entra do.
      const found = await send({ method: 'GET', path: existencePath(org.kind, userName) });
      user.id = found.body?.Resources?.[0]?.id;
      if (user.id) user.state = createdState;
      else surprise(org, `${userName} answered 409 but is not found`, found);
    } else if (answer.unknown) user.either = createdState;
    else surprise(org, `POST /Users ${userName}`, answer);
  }

  /** Okta: PUT of its whole profile or PATCH replace; Entra: PATCH with a path-less Replace. Sometimes a new userType. */
  async function update(user: TrackedUser): Promise<void> {
    const n = Math.floor(rng() * 1000);
    const userType = rng() < 0.3 ? pick(OWN_ROLES) : undefined;
    const next: UserState = {
      ...user.state,
      displayName: `Person ${n} ${user.state.familyName}`,
      title: `Title ${n}`,
      givenName: `Person ${n}`,
      ownRole: userType ?? user.state.ownRole,
    };
    let request: Omit<Request, 'key'>;
    if (org.kind === 'okta' && rng() < 0.6) {
      request = { method: 'PUT', path: `/scim/v2/Users/${user.id}`, body: oktaUserBody(user, next, userType) };
    } else if (org.kind === 'okta') {
      const value = {
        displayName: next.displayName,
        title: next.title,
        name: { givenName: next.givenName, familyName: next.familyName },
        ...(userType ? { userType } : {}),
      };
      request = { method: 'PATCH', path: `/scim/v2/Users/${user.id}`, body: patch({ op: 'replace', value }) };
    } else {
      const operations: unknown[] = [
        { op: 'Replace', value: { displayName: next.displayName, title: next.title, 'name.givenName': next.givenName } },
      ];
      if (userType) operations.push({ op: 'Replace', path: 'userType', value: userType });
      request = { method: 'PATCH', path: `/scim/v2/Users/${user.id}`, body: patch(...operations) };
    }
    settleUserWrite(user, next, await send(request), `${request.method} ${user.userName}`);
  }

  /** Deactivation and reactivation: Okta's replace of active; Entra's Replace with "False"/"True", with and without a path. */
  async function setActive(user: TrackedUser, active: boolean): Promise<void> {
    const operation =
      org.kind === 'okta'
        ? { op: 'replace', value: { active } }
        : rng() < 0.5
          ? { op: 'Replace', path: 'active', value: active ? 'True' : 'False' }
          : { op: 'Replace', value: { active: active ? 'True' : 'False' } };
    const answer = await send({ method: 'PATCH', path: `/scim/v2/Users/${user.id}`, body: patch(operation) });
    settleUserWrite(user, { ...user.state, active }, answer, `PATCH active=${active} ${user.userName}`);
  }

  async function remove(user: TrackedUser): Promise<void> {
    const answer = await send({ method: 'DELETE', path: `/scim/v2/Users/${user.id}` });
    const gone = { ...user.state, deleted: true };
    if (answer.status === 204 || (answer.status === 404 && answer.mayHaveHappened)) user.state = gone;
    else if (answer.unknown) user.either = gone;
    else surprise(org, `DELETE ${user.userName}`, answer);
  }

  function settleUserWrite(user: TrackedUser, next: UserState, answer: Answer, what: string): void {
    if (answer.status === 200) user.state = next;
    else if (answer.unknown) user.either = next;
    else surprise(org, what, answer);
  }

  async function read(user: TrackedUser): Promise<void> {
    const answer = await send({ method: 'GET', path: `/scim/v2/Users/${user.id}` });
    if (answer.status !== 200) surprise(org, `GET ${user.userName}`, answer);
  }

  async function exists(user: TrackedUser): Promise<void> {
    const answer = await send({ method: 'GET', path: existencePath(org.kind, user.userName) });
    if (answer.status !== 200 || answer.body.Resources?.[0]?.id !== user.id)
      surprise(org, `existence check of ${user.userName}`, answer);
  }

  /**
   * A group push: two or three groups at once, each one PATCH adding or removing one to three of this
   * connection's users (Okta: `add` with a value list, `remove` with `members[value eq "…"]`; Entra:
   * `Add`/`Remove` with a value list).
   */
  async function pushGroups(live: TrackedUser[]): Promise<void> {
    const groups = org.groups.filter((g) => g.id !== undefined);
    const chosen = shuffle(groups, rng).slice(0, 2 + Math.floor(rng() * 2));
    await Promise.all(
      chosen.map(async (group) => {
        const users = shuffle(live, rng).slice(0, 1 + Math.floor(rng() * 3));
        const members = users.filter((u) => group.members.get(u) === 'in');
        const removing = members.length > 0 && rng() < 0.5;
        const targets = removing ? members : users;
        const values = targets.map((u) => ({ value: u.id }));
        const operations = removing
          ? org.kind === 'okta'
            ? targets.map((u) => ({ op: 'remove', path: `members[value eq "${u.id}"]` }))
            : [{ op: 'Remove', path: 'members', value: values }]
          : [{ op: org.kind === 'okta' ? 'add' : 'Add', path: 'members', value: values }];
        const answer = await send({ method: 'PATCH', path: `/scim/v2/Groups/${group.id}`, body: patch(...operations) });
        const outcome: Membership | undefined =
          answer.status === 200 || answer.status === 204 ? (removing ? 'out' : 'in') : answer.unknown ? 'either' : undefined;
        if (outcome) for (const u of targets) group.members.set(u, outcome);
        else surprise(org, `PATCH /Groups ${group.displayName}`, answer);
      }),
    );
  }
}

function shuffle<T>(list: T[], rng: () => number): T[] {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

// ---------------------------------------------------------------- the organization's admin

/**
 * The organization's admin, in the admin API: maps group 0 to Read-only at 15% of the run, group 1
 * to Procurement at priority 5 (before it) at 25%, then at 55% changes the first mapping to IT Admin
 * at priority 5 (a tie: the older mapping wins); reads the mappings every second in between.
 */
export async function organizationAdmin(org: SoakOrganization, ctx: Context & { started: number }): Promise<void> {
  const send = (request: Omit<Request, 'key'>) => ctx.cluster.send({ ...request, key: org.apiKey });
  const duration = ctx.until - ctx.started;
  const at = (fraction: number) => ctx.started + duration * fraction;
  const steps: Array<{ at: number; run: () => Promise<void> }> = [
    { at: at(0.15), run: () => createMapping(org.groups[0], 'Read-only') },
    { at: at(0.25), run: () => createMapping(org.groups[1], 'Procurement', 5) },
    { at: at(0.55), run: () => updateMapping(org.mappings[0], { role: 'IT Admin', priority: 5 }) },
  ];
  for (const step of [...steps, { at: ctx.until, run: async () => undefined }]) {
    while (performance.now() < step.at) {
      const answer = await send({ method: 'GET', path: '/settings/role-mappings' });
      if (answer.status !== 200) surprise(org, 'GET /settings/role-mappings', answer);
      await new Promise((resolveLater) => setTimeout(resolveLater, Math.min(1_000, Math.max(0, step.at - performance.now()))));
    }
    await step.run();
  }

  async function createMapping(group: TrackedGroup, role: string, priority?: number): Promise<void> {
    const mapping: TrackedMapping = { group };
    org.mappings.push(mapping);
    if (!group.id) return; // its creation's outcome is unknown: nothing to map
    const answer = await send({ method: 'POST', path: '/settings/role-mappings', body: { groupId: group.id, role, priority } });
    if (answer.status === 201) {
      mapping.id = answer.body.id;
      mapping.state = { role: answer.body.role, priority: answer.body.priority };
    } else if (answer.status === 409 && answer.mayHaveHappened) {
      const list = await send({ method: 'GET', path: '/settings/role-mappings' });
      const found = list.body?.roleMappings?.find((m: { groupId: string }) => m.groupId === group.id);
      if (found) {
        mapping.id = found.id;
        mapping.state = { role: found.role, priority: found.priority };
      } else surprise(org, `role mapping of ${group.displayName} answered 409 but is not listed`, list);
    } else if (answer.unknown) mapping.either = { role, priority: priority ?? NaN };
    else surprise(org, `POST /settings/role-mappings ${group.displayName}`, answer);
  }

  async function updateMapping(mapping: TrackedMapping | undefined, next: MappingState): Promise<void> {
    if (!mapping?.id || !mapping.state || mapping.either !== undefined) return;
    const answer = await send({ method: 'PATCH', path: `/settings/role-mappings/${mapping.id}`, body: next });
    if (answer.status === 200) mapping.state = next;
    else if (answer.unknown) mapping.either = next;
    else surprise(org, `PATCH /settings/role-mappings/${mapping.id}`, answer);
  }
}

// ---------------------------------------------------------------- the final state, read back

export interface Findings {
  usersChecked: number;
  membershipsChecked: number;
  mappingsChecked: number;
  rolesChecked: number;
  /** Writes a client was told succeeded (or their alternatives, for unknown outcomes) that the final state does not hold. */
  lost: string[];
  /** Users, members or mappings no client created. */
  unexplained: string[];
  /** Live users whose userType is not what their memberships and the mappings imply. */
  roles: string[];
}

export function emptyFindings(): Findings {
  return { usersChecked: 0, membershipsChecked: 0, mappingsChecked: 0, rolesChecked: 0, lost: [], unexplained: [], roles: [] };
}

interface ScimUser {
  id: string;
  userName: string;
  active: boolean;
  displayName?: string;
  title?: string;
  userType: string;
  name?: { givenName?: string; familyName?: string };
}

interface ScimGroup {
  id: string;
  displayName: string;
  members?: Array<{ value: string }>;
}

interface RoleMapping {
  id: string;
  groupId: string;
  role: string;
  priority: number;
}

/** Reads every user, group and mapping of the organization through the API and compares them with what its clients were told. */
export async function verify(org: SoakOrganization, cluster: Cluster, findings: Findings): Promise<void> {
  const get = async (path: string, key: string) => {
    const answer = await cluster.send({ method: 'GET', path, key });
    if (answer.status !== 200) throw new Error(`Reading back ${org.name}: GET ${path} answered ${answer.status}`);
    return answer.body;
  };
  const all = async <T>(path: string): Promise<T[]> => {
    const out: T[] = [];
    for (let start = 1; ; start += 200) {
      const page = await get(`${path}${path.includes('?') ? '&' : '?'}startIndex=${start}&count=200`, org.scimKey);
      out.push(...(page.Resources ?? []));
      if (out.length >= page.totalResults || !page.Resources?.length) return out;
    }
  };
  const users = await all<ScimUser>('/scim/v2/Users');
  const groups = await all<ScimGroup>('/scim/v2/Groups');
  const mappings = ((await get('/settings/role-mappings', org.apiKey)) as { roleMappings: RoleMapping[] }).roleMappings;
  const byUserName = new Map(users.map((u) => [u.userName.toLowerCase(), u]));
  const groupById = new Map(groups.map((g) => [g.id, g]));
  const tracked = new Map(org.users.map((u) => [u.userName.toLowerCase(), u]));

  // Users: the last acknowledged state, or one of the two when an outcome is unknown.
  for (const user of org.users) {
    findings.usersChecked += 1;
    const actual = byUserName.get(user.userName.toLowerCase());
    const candidates = user.either ? [user.state, user.either] : [user.state];
    if (!candidates.some((c) => sameUser(c, actual)))
      findings.lost.push(
        `${org.name}: user ${user.userName}: told ${candidates.map(showState).join(' or ')}; reads ${showUser(actual)}`,
      );
  }
  for (const actual of users)
    if (!tracked.has(actual.userName.toLowerCase()) && actual.id !== org.adminUserId)
      findings.unexplained.push(`${org.name}: user ${actual.userName} (${actual.id}) that no client created`);

  // Groups and memberships.
  const membersOf = new Map<string, Set<string>>();
  for (const group of org.groups) {
    if (!group.id) continue;
    const actual = groupById.get(group.id);
    if (!actual) {
      findings.lost.push(`${org.name}: group ${group.displayName} (${group.id}) is gone`);
      continue;
    }
    const members = new Set((actual.members ?? []).map((m) => m.value));
    membersOf.set(group.id, members);
    const known = new Set<string>();
    for (const user of org.users) {
      if (!user.id) continue;
      known.add(user.id);
      const told = user.state.deleted ? 'out' : (group.members.get(user) ?? 'out');
      if (user.either || told === 'either') continue;
      findings.membershipsChecked += 1;
      if ((told === 'in') !== members.has(user.id))
        findings.lost.push(
          `${org.name}: ${user.userName} was told ${told === 'in' ? 'added to' : 'removed from (or never added to)'} ${group.displayName}; the group ${members.has(user.id) ? 'lists' : 'does not list'} it`,
        );
    }
    for (const member of members)
      if (!known.has(member))
        findings.unexplained.push(`${org.name}: ${group.displayName} lists member ${member} that no client added`);
  }

  // Mappings.
  const mappingById = new Map(mappings.map((m) => [m.id, m]));
  for (const mapping of org.mappings) {
    if (mapping.either !== undefined && !mapping.id) continue; // created or not
    if (!mapping.id || !mapping.state) continue;
    findings.mappingsChecked += 1;
    const actual = mappingById.get(mapping.id);
    const candidates = [mapping.state, ...(mapping.either ? [mapping.either] : [])];
    if (!actual || !candidates.some((c) => c.role === actual.role && c.priority === actual.priority))
      findings.lost.push(
        `${org.name}: role mapping ${mapping.id} of ${mapping.group.displayName}: told ${candidates.map((c) => `${c.role} at ${c.priority}`).join(' or ')}; reads ${actual ? `${actual.role} at ${actual.priority}` : 'nothing'}`,
      );
  }

  // Roles: the mapping with the lowest priority among the user's groups (ties: the older one), else its own role.
  const precedence = [...mappings].sort((a, b) => a.priority - b.priority || Number(a.id) - Number(b.id));
  for (const actual of users) {
    const user = tracked.get(actual.userName.toLowerCase());
    const own =
      actual.id === org.adminUserId
        ? ['Admin']
        : user
          ? [user.state, ...(user.either ? [user.either] : [])].map((s) => s.ownRole)
          : [];
    if (!own.length) continue;
    const mapped = precedence.find((m) => membersOf.get(m.groupId)?.has(actual.id));
    const expected = mapped ? [mapped.role] : own;
    findings.rolesChecked += 1;
    if (!expected.includes(actual.userType))
      findings.roles.push(
        `${org.name}: ${actual.userName} has userType ${actual.userType}; ${mapped ? `its group ${groupById.get(mapped.groupId)?.displayName} maps to ${mapped.role}` : `in no mapped group, its own role is ${own.join(' or ')}`}`,
      );
  }
}

function sameUser(state: UserState, actual: ScimUser | undefined): boolean {
  if (state.deleted) return actual === undefined;
  return (
    actual !== undefined &&
    actual.active === state.active &&
    actual.displayName === state.displayName &&
    (actual.title ?? '') === state.title &&
    actual.name?.givenName === state.givenName &&
    actual.name?.familyName === state.familyName
  );
}

function showState(state: UserState): string {
  return state.deleted
    ? 'absent'
    : JSON.stringify({ active: state.active, displayName: state.displayName, title: state.title, givenName: state.givenName });
}

function showUser(user: ScimUser | undefined): string {
  return user
    ? JSON.stringify({
        active: user.active,
        displayName: user.displayName,
        title: user.title ?? '',
        givenName: user.name?.givenName,
      })
    : 'absent';
}
