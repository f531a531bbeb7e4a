/*
 * The lengths the admin API accepts for text people type; longer text is refused with a 400 naming the
 * field. Unlike the types in index.ts these are values: the settings UI imports them
 * (`@app/api-types/limits`) to show each field's limit and a counter, rather than typing the numbers again.
 * Characters are counted as the API counts them: Unicode code points of the trimmed text.
 */
export const TEXT_LIMITS = {
  /** A role's name (POST/PATCH /v1.0/settings/roles), which identity providers send as userType. */
  roleName: 64,
  /** A role's or an API key's description. */
  description: 255,
} as const;

/** The length of `text` as the API measures it. */
export function textLength(text: string): number {
  return [...text.trim()].length;
}
