import type { ScimType } from '@app/scim-protocol';
import { HttpException, HttpStatus } from '@nestjs/common';

/** SCIM `scimType` values (RFC 7644 §3.12), as the protocol library defines them. */
export type ScimErrorType = ScimType;

export interface FieldError {
  field: string;
  message: string;
}

/**
 * An error a person can act on, thrown by services and guards. The same error
 * is rendered as the admin API's JSON error or as a SCIM Error, depending on
 * the path (see http-error.ts); `scimType` is used only for the latter.
 */
export class AppError extends HttpException {
  constructor(
    status: HttpStatus,
    message: string,
    readonly scimType?: ScimErrorType,
    readonly details?: FieldError[],
    /** Headers that belong with the error, e.g. Retry-After on a 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message, status);
  }
}

export const badRequest = (message: string, scimType?: ScimErrorType, details?: FieldError[]): AppError =>
  new AppError(HttpStatus.BAD_REQUEST, message, scimType, details);
export const unauthorized = (message: string): AppError => new AppError(HttpStatus.UNAUTHORIZED, message);
export const forbidden = (message: string): AppError => new AppError(HttpStatus.FORBIDDEN, message);
export const notFound = (message: string): AppError => new AppError(HttpStatus.NOT_FOUND, message);
export const conflict = (message: string, scimType?: ScimErrorType): AppError =>
  new AppError(HttpStatus.CONFLICT, message, scimType);
export const preconditionFailed = (message: string): AppError => new AppError(HttpStatus.PRECONDITION_FAILED, message);
export const tooManyRequests = (message: string, retryAfterSeconds: number): AppError =>
  new AppError(HttpStatus.TOO_MANY_REQUESTS, message, undefined, undefined, { 'retry-after': String(retryAfterSeconds) });
