import { describe, expect, it } from '@jest/globals';
import { curlCommand, refusalHint, shellQuote, showBody } from './scim-inspection';

describe('SCIM requests page helpers', () => {
  it('should pretty-print a body that parses, and keep any other text as stored', () => {
    expect(showBody('{"a":1,"b":[2]}')).toEqual({
      text: '{\n  "a": 1,\n  "b": [\n    2\n  ]\n}',
      json: true,
      cut: null,
      notKept: false,
    });
    expect(showBody('{"userName": "m@x.test",}')).toEqual({
      text: '{"userName": "m@x.test",}',
      json: false,
      cut: null,
      notKept: false,
    });
  });

  it('should say when a body was cut at 64 KB, and when it was not kept', () => {
    expect(showBody('{"displayName":"xxxx…[cut: 12,345 more bytes]')).toMatchObject({ json: false, cut: '12,345 more bytes' });
    expect(showBody('[not read: a body of 2,000,000 bytes]')).toMatchObject({ notKept: true, cut: null });
  });

  it('should give a hint for each common refusal, from its status, scimType and detail', () => {
    const hint = (status: number, detail: string, scimType?: string) => refusalHint({ method: 'POST', status, detail, scimType });
    expect(
      hint(400, "userName is the user's email address and cannot be changed; create a new user instead.", 'mutability'),
    ).toMatch(/tried to change a user's email \(userName\)/);
    expect(hint(400, '"Wizard" is not a role of this organization. Valid roles: Admin.', 'invalidValue')).toMatch(
      /role \(userType\)/,
    );
    expect(
      hint(
        400,
        "ana@x.test is the organization's last active Admin and cannot be deactivated; make another user an Admin first.",
      ),
    ).toMatch(/without an active Admin/);
    expect(
      hint(401, 'The key expired at 2026-12-08T23:35:37.365Z. Generate a new key in Settings > API Access and replace it.'),
    ).toMatch(/has expired/);
    expect(hint(403, 'SCIM is turned off for this organization; an Admin can turn it on in Settings > Security.')).toMatch(
      /Turn it on/,
    );
    expect(hint(415, 'Send the request body as application/json or application/scim+json.')).toMatch(/Content-Type/);
    expect(hint(400, 'displayName is 70000 characters long; the limit is 1024.', 'invalidValue')).toBeNull();
    expect(refusalHint({ method: 'GET', status: 200 })).toBeNull();
  });

  it('should write curl without the key, with the URL, Content-Type and the body quoted for the shell', () => {
    const curl = curlCommand('https://torii.example', {
      method: 'PATCH',
      path: '/v1.0/scim/v2/Users/7',
      query: null,
      requestBody: `{"displayName":"O'Brien","password":"[redacted]"}`,
    });
    expect(curl).toBe(
      [
        "curl -X PATCH 'https://torii.example/v1.0/scim/v2/Users/7'",
        '-H "Authorization: Bearer $TORII_SCIM_KEY"',
        "-H 'Content-Type: application/scim+json'",
        `--data-raw '{"displayName":"O'\\''Brien","password":"[redacted]"}'`,
      ].join(' \\\n  '),
    );
    expect(
      curlCommand('https://t.example', { method: 'GET', path: '/v1.0/scim/v2/Users', query: 'count=1', requestBody: null }),
    ).toBe(`curl -X GET 'https://t.example/v1.0/scim/v2/Users?count=1' \\\n  -H "Authorization: Bearer $TORII_SCIM_KEY"`);
    expect(
      curlCommand('https://t.example', { method: 'POST', path: '/x', query: null, requestBody: '[not read: a body of 9 bytes]' }),
    ).not.toContain('--data-raw');
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});
