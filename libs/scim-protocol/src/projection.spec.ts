import { projectionShows, projectResource } from './projection';
import { buildUserResource, parseUserInput } from './user.resource';
import { CORE_USER_SCHEMA as CORE, ENTERPRISE_USER_SCHEMA as ENT, GROUP_SCHEMAS } from './user.schema';

const resource: Readonly<Record<string, unknown>> = Object.freeze({
  ...buildUserResource(
    parseUserInput(
      {
        userName: 'bjensen@example.com',
        name: { givenName: 'Barbara', familyName: 'Jensen' },
        title: 'Guide',
        active: true,
        emails: [
          { value: 'bjensen@example.com', type: 'work', primary: true },
          { value: 'babs@home.org', type: 'home' },
        ],
        [ENT]: { department: 'Tours', manager: { value: '42', displayName: 'Boss' } },
      },
      'create',
    ),
    { id: '7', created: '2024-01-01T00:00:00.000Z', lastModified: '2024-01-02T00:00:00.000Z', baseUrl: 'https://h/scim/v2' },
  ),
  // A stored password must never come out, whatever is asked.
  password: 'secret',
});

const always = { schemas: [CORE, ENT], id: '7', userName: 'bjensen@example.com' };

describe('projectResource', () => {
  it('should return everything but returned:never attributes by default', () => {
    const { password, ...expected } = resource;
    expect(password).toBe('secret');
    expect(projectResource(resource)).toEqual(expected);
    expect(projectResource(resource, { attributes: ['password'] })).toEqual(always);
  });

  it.each<[string[], object]>([
    [['userName'], always],
    [['title'], { ...always, title: 'Guide' }],
    [['TITLE', ' name.GIVENNAME '], { ...always, title: 'Guide', name: { givenName: 'Barbara' } }],
    [['name'], { ...always, name: { givenName: 'Barbara', familyName: 'Jensen' } }],
    [['emails.value'], { ...always, emails: [{ value: 'bjensen@example.com' }, { value: 'babs@home.org' }] }],
    [['emails.type', 'emails.primary'], { ...always, emails: [{ type: 'work', primary: true }, { type: 'home' }] }],
    [[`${ENT}:department`], { ...always, [ENT]: { department: 'Tours' } }],
    [[`${ENT}:manager.value`], { ...always, [ENT]: { manager: { value: '42' } } }],
    [[ENT], { ...always, [ENT]: resource[ENT] }],
    [['meta.location'], { ...always, meta: { location: 'https://h/scim/v2/Users/7' } }],
    [['urn:ietf:params:scim:schemas:core:2.0:User:active'], { ...always, active: true }],
    [['nosuch', 'name.nosuch'], always],
  ])('should keep only %j and the returned:always attributes', (attributes, expected) => {
    expect(projectResource(resource, { attributes })).toEqual(expected);
  });

  it('should drop excluded attributes and sub-attributes, never the returned:always ones', () => {
    const result = projectResource(resource, {
      excludedAttributes: ['emails', 'name.givenName', 'id', 'userName', `${ENT}:manager.displayName`, 'meta'],
    });
    expect(result).toEqual({
      ...always,
      name: { familyName: 'Jensen' },
      title: 'Guide',
      active: true,
      [ENT]: { department: 'Tours', manager: { value: '42' } },
    });
  });

  it('should drop a whole extension when excluded, and apply exclusions after attributes', () => {
    expect(projectResource(resource, { excludedAttributes: [ENT] })).not.toHaveProperty([ENT]);
    expect(projectResource(resource, { attributes: ['name', 'title'], excludedAttributes: ['name.familyName'] })).toEqual({
      ...always,
      name: { givenName: 'Barbara' },
      title: 'Guide',
    });
  });

  it('should drop an excluded sub-attribute from every element and empty containers', () => {
    const result = projectResource(resource, { excludedAttributes: ['emails.value', 'emails.type', 'emails.primary'] });
    expect(result).not.toHaveProperty('emails');
  });
});

describe('projectionShows', () => {
  it('should say whether a core attribute is shown, as projectResource decides', () => {
    expect(projectionShows({}, 'groups')).toBe(true);
    expect(projectionShows({ excludedAttributes: ['Groups'] }, 'groups')).toBe(false);
    expect(projectionShows({ excludedAttributes: ['groups.display'] }, 'groups')).toBe(true);
    expect(projectionShows({ attributes: ['userName'] }, 'groups')).toBe(false);
    expect(projectionShows({ attributes: ['groups.value'] }, 'groups')).toBe(true);
    expect(projectionShows({ attributes: [CORE] }, 'groups')).toBe(true);
    expect(projectionShows({ attributes: ['displayName'] }, 'userName')).toBe(true);
    expect(projectionShows({}, 'password')).toBe(false);
    const group = { schemas: GROUP_SCHEMAS };
    expect(projectionShows({ ...group, excludedAttributes: ['members'] }, 'members')).toBe(false);
    expect(
      projectionShows({ ...group, excludedAttributes: ['urn:ietf:params:scim:schemas:core:2.0:Group:members'] }, 'members'),
    ).toBe(false);
    expect(projectionShows({ ...group, attributes: ['displayName'] }, 'members')).toBe(false);
    expect(projectionShows({ ...group, attributes: ['members.value'] }, 'members')).toBe(true);
  });
});
