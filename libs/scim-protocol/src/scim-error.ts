export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The `scimType` values of RFC 7644 §3.12, and RFC 9865's `invalidCursor` and `expiredCursor`. */
export type ScimType =
  | 'invalidCursor'
  | 'expiredCursor'
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  /** RFC 7644 §3.12 makes the status a string in the body. */
  status: string;
  scimType?: ScimType;
  detail: string;
}

/**
 * A protocol error that the HTTP layer turns into a SCIM Error body as is.
 * `detail` is shown to the administrator of the identity provider, so it is a
 * sentence that names the attribute or the position that is wrong.
 */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType?: ScimType;
  readonly detail: string;

  constructor(status: number, detail: string, scimType?: ScimType) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.detail = detail;
    if (scimType !== undefined) this.scimType = scimType;
  }

  toBody(): ScimErrorBody {
    const body: ScimErrorBody = { schemas: [SCIM_ERROR_SCHEMA], status: String(this.status), detail: this.detail };
    if (this.scimType !== undefined) body.scimType = this.scimType;
    return body;
  }

  static invalidFilter(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidFilter');
  }

  static invalidValue(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidValue');
  }

  static invalidSyntax(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidSyntax');
  }

  static invalidPath(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidPath');
  }

  static noTarget(detail: string): ScimError {
    return new ScimError(400, detail, 'noTarget');
  }

  static mutability(detail: string): ScimError {
    return new ScimError(400, detail, 'mutability');
  }

  static tooMany(detail: string): ScimError {
    return new ScimError(400, detail, 'tooMany');
  }

  static uniqueness(detail: string): ScimError {
    return new ScimError(409, detail, 'uniqueness');
  }
}

export function isScimError(error: unknown): error is ScimError {
  return error instanceof ScimError;
}
