/*
 * Test support: the app's tables (SQLite dialect), the SqlMapping for them,
 * and a writer from ScimUserInput to rows. The app's own mapping and storage
 * follow this model; the specs prove the SQL on a real database with it.
 */
import Database from 'better-sqlite3';
import { SqlMapping } from '../filter.sql';
import { toSqlDateTime } from '../datetime';
import { ENTERPRISE_USER_SCHEMA } from '../user.schema';
import { ScimUserInput } from '../user.resource';

const ENT = ENTERPRISE_USER_SCHEMA;

export const USER_SQL_MAPPING: SqlMapping = {
  id: 'u.id',
  columns: {
    externalId: 'u.external_id',
    userName: { column: 'u.user_name', lowerColumn: 'u.user_name_lower' },
    'name.formatted': 'u.name_formatted',
    'name.familyName': 'u.name_family_name',
    'name.givenName': 'u.name_given_name',
    'name.middleName': 'u.name_middle_name',
    'name.honorificPrefix': 'u.name_honorific_prefix',
    'name.honorificSuffix': 'u.name_honorific_suffix',
    displayName: 'u.display_name',
    nickName: 'u.nick_name',
    profileUrl: 'u.profile_url',
    title: 'u.title',
    userType: '(SELECT r.name FROM roles r WHERE r.id = u.role_id)',
    preferredLanguage: 'u.preferred_language',
    locale: 'u.locale',
    timezone: 'u.timezone',
    active: 'u.active',
    'meta.created': 'u.created_at',
    'meta.lastModified': 'u.updated_at',
    [`${ENT}:employeeNumber`]: 'u.employee_number',
    [`${ENT}:costCenter`]: 'u.cost_center',
    [`${ENT}:organization`]: 'u.organization_name',
    [`${ENT}:division`]: 'u.division',
    [`${ENT}:department`]: 'u.department',
    [`${ENT}:manager.value`]: 'u.manager_value',
    [`${ENT}:manager.displayName`]: 'u.manager_display_name',
  },
  constants: { 'meta.resourceType': 'User' },
  multiValued: {
    table: 'user_attribute_values',
    alias: 'v',
    correlation: { user_id: 'u.id', organization_id: 'u.organization_id' },
    discriminator: 'attribute',
    attributes: {
      emails: 'emails',
      phoneNumbers: 'phoneNumbers',
      ims: 'ims',
      photos: 'photos',
      entitlements: 'entitlements',
      roles: 'roles',
      x509Certificates: 'x509Certificates',
      addresses: 'addresses',
    },
    subAttributes: {
      value: { column: 'value', lowerColumn: 'value_lower' },
      display: 'display',
      type: 'type',
      // `primary` is reserved in MySQL; backticks work on SQLite too.
      primary: '`primary`',
      formatted: 'formatted',
      streetAddress: 'street_address',
      locality: 'locality',
      region: 'region',
      postalCode: 'postal_code',
      country: 'country',
    },
    primaryColumn: '`primary`',
    positionColumn: 'position',
  },
};

export const SQLITE_DDL = `
CREATE TABLE roles (id INTEGER PRIMARY KEY, organization_id INTEGER NOT NULL, name TEXT NOT NULL);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  organization_id INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  user_name_lower TEXT NOT NULL,
  external_id TEXT,
  display_name TEXT, nick_name TEXT, profile_url TEXT, title TEXT,
  role_id INTEGER REFERENCES roles(id),
  name_formatted TEXT, name_family_name TEXT, name_given_name TEXT, name_middle_name TEXT,
  name_honorific_prefix TEXT, name_honorific_suffix TEXT,
  preferred_language TEXT, locale TEXT, timezone TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  employee_number TEXT, cost_center TEXT, organization_name TEXT, division TEXT, department TEXT,
  manager_value TEXT, manager_display_name TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  deleted_at TEXT
);
CREATE UNIQUE INDEX users_org_user_name_lower ON users (organization_id, user_name_lower);
CREATE INDEX users_org_external_id ON users (organization_id, external_id);
CREATE TABLE user_attribute_values (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  organization_id INTEGER NOT NULL,
  attribute TEXT NOT NULL,
  position INTEGER NOT NULL,
  value TEXT, value_lower TEXT, display TEXT, type TEXT, \`primary\` INTEGER,
  formatted TEXT, street_address TEXT, locality TEXT, region TEXT, postal_code TEXT, country TEXT
);
CREATE INDEX uav_org_attribute_value_lower ON user_attribute_values (organization_id, attribute, value_lower);
CREATE INDEX uav_user ON user_attribute_values (user_id);
`;

export interface FixtureUser {
  id: number;
  organizationId: number;
  user: ScimUserInput;
  created: string;
  lastModified: string;
}

const MULTI = ['emails', 'phoneNumbers', 'ims', 'photos', 'entitlements', 'roles', 'x509Certificates', 'addresses'] as const;

/** Creates an in-memory database with the tables and the given users. */
export function createDatabase(users: readonly FixtureUser[]): Database.Database {
  const db = new Database(':memory:');
  db.exec(SQLITE_DDL);
  const roleIds = new Map<string, number>();
  const role = (organizationId: number, name: string): number => {
    const key = `${organizationId}:${name.toLowerCase()}`;
    let id = roleIds.get(key);
    if (id === undefined) {
      id = Number(
        db.prepare('INSERT INTO roles (organization_id, name) VALUES (?, ?)').run(organizationId, name).lastInsertRowid,
      );
      roleIds.set(key, id);
    }
    return id;
  };
  const insertUser = db.prepare(`INSERT INTO users (id, organization_id, user_name, user_name_lower, external_id,
      display_name, nick_name, profile_url, title, role_id, name_formatted, name_family_name, name_given_name,
      name_middle_name, name_honorific_prefix, name_honorific_suffix, preferred_language, locale, timezone, active,
      employee_number, cost_center, organization_name, division, department, manager_value, manager_display_name,
      created_at, updated_at)
    VALUES (@id, @organizationId, @userName, @userNameLower, @externalId, @displayName, @nickName, @profileUrl, @title,
      @roleId, @nameFormatted, @familyName, @givenName, @middleName, @honorificPrefix, @honorificSuffix,
      @preferredLanguage, @locale, @timezone, @active, @employeeNumber, @costCenter, @organization, @division,
      @department, @managerValue, @managerDisplayName, @created, @lastModified)`);
  const insertValue = db.prepare(`INSERT INTO user_attribute_values (user_id, organization_id, attribute, position,
      value, value_lower, display, type, \`primary\`, formatted, street_address, locality, region, postal_code, country)
    VALUES (@userId, @organizationId, @attribute, @position, @value, @valueLower, @display, @type, @primary,
      @formatted, @streetAddress, @locality, @region, @postalCode, @country)`);
  for (const f of users) {
    const u = f.user;
    const ent = u[ENTERPRISE_USER_SCHEMA] ?? {};
    insertUser.run({
      id: f.id,
      organizationId: f.organizationId,
      userName: u.userName,
      userNameLower: u.userName.toLowerCase(),
      externalId: u.externalId ?? null,
      displayName: u.displayName ?? null,
      nickName: u.nickName ?? null,
      profileUrl: u.profileUrl ?? null,
      title: u.title ?? null,
      roleId: u.userType === undefined ? null : role(f.organizationId, u.userType),
      nameFormatted: u.name?.formatted ?? null,
      familyName: u.name?.familyName ?? null,
      givenName: u.name?.givenName ?? null,
      middleName: u.name?.middleName ?? null,
      honorificPrefix: u.name?.honorificPrefix ?? null,
      honorificSuffix: u.name?.honorificSuffix ?? null,
      preferredLanguage: u.preferredLanguage ?? null,
      locale: u.locale ?? null,
      timezone: u.timezone ?? null,
      active: u.active === false ? 0 : 1,
      employeeNumber: ent.employeeNumber ?? null,
      costCenter: ent.costCenter ?? null,
      organization: ent.organization ?? null,
      division: ent.division ?? null,
      department: ent.department ?? null,
      managerValue: ent.manager?.value ?? null,
      managerDisplayName: ent.manager?.displayName ?? null,
      created: toSqlDateTime(f.created),
      lastModified: toSqlDateTime(f.lastModified),
    });
    for (const attribute of MULTI) {
      ((u[attribute] ?? []) as unknown as Record<string, unknown>[]).forEach((element, position) => {
        const text = (k: string) => (typeof element[k] === 'string' ? (element[k] as string) : null);
        insertValue.run({
          userId: f.id,
          organizationId: f.organizationId,
          attribute,
          position,
          value: text('value'),
          valueLower: text('value')?.toLowerCase() ?? null,
          display: text('display'),
          type: text('type'),
          primary: element.primary === undefined ? null : element.primary ? 1 : 0,
          formatted: text('formatted'),
          streetAddress: text('streetAddress'),
          locality: text('locality'),
          region: text('region'),
          postalCode: text('postalCode'),
          country: text('country'),
        });
      });
    }
  }
  return db;
}

/** The resource as the API would render it (what the in-memory evaluator sees). */
export function fixtureResource(f: FixtureUser): Record<string, unknown> {
  return {
    id: String(f.id),
    ...f.user,
    meta: { resourceType: 'User', created: f.created, lastModified: f.lastModified },
  };
}

export const FIXTURE_USERS: readonly FixtureUser[] = [
  {
    id: 1,
    organizationId: 1,
    created: '2024-01-10T08:00:00.000Z',
    lastModified: '2024-03-01T12:30:00.000Z',
    user: {
      userName: 'bjensen@example.com',
      externalId: 'EXT-bjensen',
      name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
      displayName: 'Babs Jensen',
      title: 'Tour Guide',
      userType: 'Admin',
      locale: 'en-US',
      active: true,
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
      ],
      phoneNumbers: [{ value: '555-555-8377', type: 'work' }],
      addresses: [
        {
          streetAddress: '100 Universal City Plaza',
          locality: 'Hollywood',
          region: 'CA',
          postalCode: '91608',
          country: 'US',
          type: 'work',
          primary: true,
        },
      ],
      [ENTERPRISE_USER_SCHEMA]: {
        employeeNumber: '701984',
        costCenter: '4130',
        organization: 'Universal Studios',
        division: 'Theme Park',
        department: 'Tour Operations',
        manager: { value: '2', displayName: 'John Smith' },
      },
    },
  },
  {
    id: 2,
    organizationId: 1,
    created: '2024-01-01T00:00:00.000Z',
    lastModified: '2024-01-01T00:00:00.000Z',
    user: {
      userName: 'JSmith@Example.com',
      externalId: 'ext-jsmith',
      name: { familyName: 'Smith', givenName: 'John' },
      title: 'Manager',
      userType: 'Employee',
      active: true,
      emails: [{ value: 'JSmith@Example.com', type: 'work', primary: true }],
      [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '12345', department: 'Tour Operations' },
    },
  },
  {
    id: 3,
    organizationId: 1,
    created: '2024-02-15T09:15:00.000Z',
    lastModified: '2024-02-16T09:15:00.000Z',
    user: {
      userName: 'percent%under_score@example.com',
      name: { familyName: 'O!Brien', givenName: 'Pat' },
      title: '',
      userType: 'Read-only',
      active: false,
      emails: [
        { value: 'percent%under_score@example.com', type: 'work' },
        { value: 'p@other.org', type: 'other', primary: true },
      ],
      phoneNumbers: [{ value: '+1 555 0100', type: 'mobile', primary: true }],
    },
  },
  {
    id: 4,
    organizationId: 1,
    created: '2023-12-31T23:59:59.999Z',
    lastModified: '2024-01-02T00:00:00.000Z',
    user: { userName: 'nobody@example.com', userType: 'Employee', active: true },
  },
  {
    id: 5,
    organizationId: 1,
    created: '2024-05-05T05:05:05.005Z',
    lastModified: '2024-05-06T00:00:00.000Z',
    user: {
      userName: 'a+b@x.com',
      externalId: 'EXT-AB',
      title: 'tour guide',
      userType: 'IT Admin',
      active: true,
      emails: [{ value: 'a+b@x.com', type: 'Work' }],
      roles: [{ value: 'Sales', primary: true }],
      x509Certificates: [{ value: 'MIIBase64AbC==' }],
      [ENTERPRISE_USER_SCHEMA]: { manager: { value: '1' } },
    },
  },
  {
    id: 6,
    organizationId: 1,
    created: '2024-06-01T00:00:00.000Z',
    lastModified: '2024-06-01T00:00:00.000Z',
    user: {
      userName: 'zoe@example.com',
      name: { givenName: 'Zoë', familyName: 'Zed' },
      displayName: 'ZOE',
      title: 'Engineer',
      userType: 'Employee',
      active: false,
      ims: [{ value: 'zoe_im', type: 'xmpp' }],
      photos: [{ value: 'https://photos.example.com/zoe.jpg', type: 'photo' }],
      entitlements: [{ value: 'vpn' }],
      addresses: [{ locality: 'Paris', country: 'FR', type: 'home' }],
      [ENTERPRISE_USER_SCHEMA]: { department: 'R&D', division: 'Research_Lab' },
    },
  },
  {
    // Another organization: the app scopes every query by organization_id.
    id: 7,
    organizationId: 2,
    created: '2024-01-10T08:00:00.000Z',
    lastModified: '2024-01-10T08:00:00.000Z',
    user: {
      userName: 'bjensen@example.com',
      title: 'Tour Guide',
      userType: 'Admin',
      active: true,
      emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
    },
  },
];
