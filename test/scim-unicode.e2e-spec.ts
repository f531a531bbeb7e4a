import { scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

describe('SCIM: case-insensitive filters beyond ASCII, the same on every engine', () => {
  let t: TestApp;
  let o: ScimOrganization;

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t);
    for (const [userName, title, familyName] of [
      ['zoe@x.test', 'Directrice d’ÉCOLE', 'Ölberg'],
      ['sven@x.test', 'Ingénieur', 'ÅSTRÖM'],
      ['plain@x.test', 'Ecole director', 'Olberg'],
    ]) {
      const created = await o.scim.post('/Users', { body: { userName, title, name: { familyName } } });
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    await t.close();
  });

  const userNames = async (filter: string): Promise<string[]> => {
    const response = await o.scim.get(`/Users?filter=${encodeURIComponent(filter)}`);
    expect(response.status).toBe(200);
    return response.body.Resources.map((u: { userName: string }) => u.userName).sort();
  };

  it('should fold accented capitals in co/sw/eq on columns without a lower-case copy', async () => {
    expect(await userNames('title co "école"')).toEqual(['zoe@x.test']);
    expect(await userNames('name.familyName eq "öLBERG"')).toEqual(['zoe@x.test']);
    expect(await userNames('name.familyName sw "åst"')).toEqual(['sven@x.test']);
    expect(await userNames('title eq "INGÉNIEUR"')).toEqual(['sven@x.test']);
  });

  it('should not treat accented and unaccented letters as equal', async () => {
    expect(await userNames('name.familyName eq "olberg"')).toEqual(['plain@x.test']);
  });
});
