import { applyDecorators } from '@nestjs/common';
import { IsDefined, ValidateIf } from 'class-validator';

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
