/**
 * Confluent Schema Registry's error codes. The HTTP status is the code's
 * first three digits (40401 → 404), except codes that are statuses themselves.
 */

export const SR_ERRORS = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  INCOMPATIBLE: 409,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SUBJECT_NOT_FOUND: 40401,
  VERSION_NOT_FOUND: 40402,
  SCHEMA_NOT_FOUND: 40403,
  SUBJECT_SOFT_DELETED: 40404,
  SUBJECT_NOT_SOFT_DELETED: 40405,
  VERSION_SOFT_DELETED: 40406,
  VERSION_NOT_SOFT_DELETED: 40407,
  SUBJECT_COMPATIBILITY_NOT_CONFIGURED: 40408,
  SUBJECT_MODE_NOT_CONFIGURED: 40409,
  INVALID_SCHEMA: 42201,
  INVALID_VERSION: 42202,
  INVALID_COMPATIBILITY_LEVEL: 42203,
  INVALID_MODE: 42204,
  OPERATION_NOT_PERMITTED: 42205,
  REFERENCE_EXISTS: 42206,
  STORE_ERROR: 50001,
} as const;

export type SrErrorCode = (typeof SR_ERRORS)[keyof typeof SR_ERRORS];

/** Thrown by handlers; the app answers `{"error_code", "message"}` with the code's status. */
export class RegistryError extends Error {
  override name = 'RegistryError';

  constructor(
    readonly code: SrErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return this.code < 1000 ? this.code : Math.floor(this.code / 100);
  }
}

export const subjectNotFound = (subject: string): RegistryError =>
  new RegistryError(SR_ERRORS.SUBJECT_NOT_FOUND, `Subject '${subject}' not found.`);

export const versionNotFound = (version: number | string): RegistryError =>
  new RegistryError(SR_ERRORS.VERSION_NOT_FOUND, `Version ${version} not found.`);

export const schemaNotFound = (id?: number): RegistryError =>
  new RegistryError(SR_ERRORS.SCHEMA_NOT_FOUND, id === undefined ? 'Schema not found' : `Schema ${id} not found`);

export const invalidSchema = (detail: string): RegistryError =>
  new RegistryError(SR_ERRORS.INVALID_SCHEMA, `Invalid schema: ${detail}`);
