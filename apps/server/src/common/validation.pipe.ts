import { ValidationError, ValidationPipe } from '@nestjs/common';
import { badRequest, FieldError } from './app-error';

/**
 * The admin API's input validation (APP_PIPE): unknown fields are refused,
 * types are checked, and the error names every bad field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors: ValidationError[]) => {
      const details = flatten(errors);
      return badRequest(details.map((d) => d.message).join('; '), 'invalidValue', details);
    },
  });
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.startsWith(`property ${error.property} should not exist`)
        ? `${field} is not a field of this request`
        : message.replace(new RegExp(`^${error.property}\\b`), field),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
