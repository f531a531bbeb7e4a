import type { AuditEventView } from '@app/api-types';

/** One JSON object per line (NDJSON), the shape of GET /v1.0/audit-log's events. */
export async function* eventsAsNdjson(events: AsyncIterable<AuditEventView>): AsyncGenerator<string> {
  for await (const event of events) yield `${JSON.stringify(event)}\n`;
}

const CSV_COLUMNS = [
  'id',
  'occurredAt',
  'action',
  'outcome',
  'actorType',
  'actorKeyId',
  'actorMaskedKey',
  'actorDescription',
  'targetType',
  'targetId',
  'targetDisplay',
  'changes',
  'status',
  'scimType',
  'detail',
  'requestId',
] as const;

/** RFC 4180 CSV with a header row; `changes` as JSON in one cell. */
export async function* eventsAsCsv(events: AsyncIterable<AuditEventView>): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const e of events) {
    const row: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      id: e.id,
      occurredAt: e.occurredAt,
      action: e.action,
      outcome: e.outcome,
      actorType: e.actor.type,
      actorKeyId: e.actor.keyId,
      actorMaskedKey: e.actor.maskedKey,
      actorDescription: e.actor.description,
      targetType: e.target.type,
      targetId: e.target.id,
      targetDisplay: e.target.display,
      changes: e.changes ? JSON.stringify(e.changes) : undefined,
      status: e.status,
      scimType: e.scimType,
      detail: e.detail,
      requestId: e.requestId,
    };
    yield `${CSV_COLUMNS.map((c) => csvCell(row[c])).join(',')}\r\n`;
  }
}

/**
 * A cell: quoted when it holds a comma, quote or line break; text a spreadsheet would run as a
 * formula (starting with = + - @, tab or CR: names and details come from identity providers) gets a
 * leading apostrophe (OWASP's CSV injection advice).
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
