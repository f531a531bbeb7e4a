import type { AuditChange } from '../audit/audit.service';
import { USER_ATTRIBUTE_PATHS, UserAttributes, UserValueRow } from './user-storage.mapping';

/**
 * A user's changed attributes as the audit log lists them: singular attributes by SCIM path with
 * their old and new values, and each multi-valued attribute whose elements changed with its old
 * and new values (`value`, or an address's `formatted`). Only what a client can send is here: no
 * password is ever stored, so none can be listed.
 */
export function attributeChanges(
  before: Readonly<UserAttributes>,
  after: Readonly<UserAttributes>,
  beforeValues: readonly UserValueRow[],
  afterValues: readonly UserValueRow[],
): AuditChange[] {
  const changes: AuditChange[] = [];
  for (const [property, path] of USER_ATTRIBUTE_PATHS) {
    if ((before[property] ?? null) !== (after[property] ?? null))
      changes.push({ attribute: path, from: before[property] ?? null, to: after[property] ?? null });
  }
  if (beforeValues !== afterValues) {
    const old = valuesByAttribute(beforeValues);
    const now = valuesByAttribute(afterValues);
    for (const attribute of new Set([...old.keys(), ...now.keys()])) {
      const from = old.get(attribute) ?? [];
      const to = now.get(attribute) ?? [];
      if (from.join('\u0000') !== to.join('\u0000')) changes.push({ attribute, from, to });
    }
  }
  return changes;
}

/** What a created user was given, as changes from nothing. */
export function createdAttributes(attributes: Readonly<UserAttributes>, values: readonly UserValueRow[]): AuditChange[] {
  const changes: AuditChange[] = [];
  for (const [property, path] of USER_ATTRIBUTE_PATHS) {
    const to = attributes[property];
    if (to !== null && to !== undefined) changes.push({ attribute: path, to });
  }
  for (const [attribute, to] of valuesByAttribute(values)) changes.push({ attribute, to });
  return changes;
}

function valuesByAttribute(rows: readonly UserValueRow[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of rows) {
    const list = out.get(row.attribute) ?? [];
    list.push(String(row.value ?? row.formatted ?? row.display ?? ''));
    out.set(row.attribute, list);
  }
  return out;
}
