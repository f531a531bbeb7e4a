import { hasDirectionalFormatting } from '@app/scim-protocol';
import { applyDecorators } from '@nestjs/common';
import { IsDefined, ValidateBy, ValidateIf } from 'class-validator';

/**
 * An optional field of the admin API that cannot be null: absent means "leave it as it is", and
 * null is a 400 naming the field. `@IsOptional()` lets null through to the service, where it is
 * neither a value nor an absence; use it only where a field documents what null means (a
 * description cleared, a key without expiry).
 */
export function IsOmittable(): PropertyDecorator {
  return applyDecorators(
    ValidateIf((_object, value) => value !== undefined),
    IsDefined({ message: ({ property }) => `${property} cannot be null; leave it out to keep it as it is` }),
  );
}

/** U+0000–U+001F and U+007F: never part of a name, a description, a userName or a filter value. */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** A text field without control characters (a role "Admin\u0000" would read as Admin and be another role). */
export function HasNoControlCharacters(): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasNoControlCharacters',
      validator: { validate: (value: unknown) => typeof value !== 'string' || !hasControlCharacter(value) },
    },
    { message: ({ property }) => `${property} must not contain control characters (tabs, line breaks, U+0000–U+001F, U+007F)` },
  );
}

/**
 * A text field people read to tell one thing from another (a role name, a key's description):
 * no directional formatting characters, which make it display in another order than it is
 * stored ("\u202eAdmin" and "nimdA"). The same set as SCIM's userName (scim-protocol text.ts).
 */
export function HasNoDirectionalOverrides(): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasNoDirectionalOverrides',
      validator: { validate: (value: unknown) => typeof value !== 'string' || !hasDirectionalFormatting(value) },
    },
    {
      message: ({ property }) => `${property} must not contain directional formatting characters (U+202A–U+202E, U+2066–U+2069)`,
    },
  );
}
