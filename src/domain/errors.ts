/**
 * Typed errors with a stable `code`. Adapters classify AWS errors into these at the boundary, so
 * the application, the state store and the CLI never see raw SDK errors.
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'USAGE',
  'INSTANCE_NOT_FOUND',
  'INVALID_INSTANCE_STATE',
  'SNAPSHOT_NOT_FOUND',
  'INVALID_SNAPSHOT_STATE',
  'SNAPSHOT_ALREADY_EXISTS',
  'SNAPSHOT_ID_TAKEN',
  'SNAPSHOT_QUOTA_EXCEEDED',
  'COPY_LIMIT_EXCEEDED',
  'KMS_KEY_NOT_ACCESSIBLE',
  'THROTTLED',
  'ACCESS_DENIED',
  'INVALID_PARAMETER',
  'BUCKET_NOT_FOUND',
  'LISTING_OUT_OF_ORDER',
  'AWS_ERROR',
  'TIMEOUT',
  'STATE_STORE_ERROR',
  'INTERRUPTED',
  'INTERNAL',
  /** An ad hoc backup refused: the instance had its day's ad hoc snapshots already. */
  'ADHOC_LIMIT',
  // Restore drills (domain/drill.ts).
  'RESTORE_QUOTA_EXCEEDED',
  'SUBNET_GROUP_NOT_FOUND',
  'DB_ALREADY_EXISTS',
  'RESTORE_FAILED',
  'VALIDATION_FAILED',
  'DRILL_TIMED_OUT',
  'DB_ID_TAKEN',
  // Work in flight in AWS for too long (domain/kinds/).
  'COPY_TIMED_OUT',
  'CREATE_TIMED_OUT',
  // Vault copies (issue 16): the DR copy's key is AWS managed (aws/rds), which cannot be shared.
  'VAULT_KEY_NOT_SHAREABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
  /** Which step failed: `list`, `create`, `copy`, `delete`, `discover`, ... */
  readonly step?: string;
  readonly retryable?: boolean;
  /** The AWS error name behind it (`InvalidClientTokenId`, `TimeoutError`, ...), when there was one. */
  readonly awsError?: string;
}

export class SnapwardError extends Error {
  override readonly name = 'SnapwardError';
  readonly code: ErrorCode;
  /** True when trying again later (the next pass) can succeed without anyone changing anything. */
  readonly retryable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
  }

  toInfo(step?: string): ErrorInfo {
    const awsError = typeof this.context.awsErrorName === 'string' ? this.context.awsErrorName : undefined;
    return { code: this.code, message: this.message, retryable: this.retryable, ...(step ? { step } : {}), ...(awsError ? { awsError } : {}) };
  }
}

/** Any thrown value as an ErrorInfo: SnapwardErrors keep their code, anything else is INTERNAL. */
export function toErrorInfo(err: unknown, step?: string): ErrorInfo {
  if (err instanceof SnapwardError) return err.toInfo(step);
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, retryable: false, ...(step ? { step } : {}) };
}

/** AWS names that mean "these credentials are not accepted", as opposed to "not allowed". */
const CREDENTIAL_ERRORS = new Set(['InvalidClientTokenId', 'ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException', 'IncompleteSignature', 'InvalidSignatureException', 'SignatureDoesNotMatch']);
/** Names the SDK and Node give to a request that never got an answer. */
const UNREACHABLE_ERRORS = /^(TimeoutError|RequestTimeout|RequestTimeoutException|AbortError|ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EPIPE|NetworkingError)$/;

/**
 * Why something could not be observed, in a few words an operator can act on: `credentials
 * rejected (InvalidClientTokenId)`, `unreachable (TimeoutError)`, `access denied (AccessDenied)`.
 * One phrase per cause, so a report groups a region's instances under one line.
 */
export function causeOf(info: ErrorInfo): string {
  const name = info.awsError;
  const tail = name ? ` (${name})` : '';
  // The SDK found no credentials at all: nothing was sent.
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(info.message)) return `no credentials${tail}`;
  if (info.code === 'ACCESS_DENIED') return name && CREDENTIAL_ERRORS.has(name) ? `credentials rejected${tail}` : `access denied${tail}`;
  if (name && CREDENTIAL_ERRORS.has(name)) return `credentials rejected${tail}`;
  if (info.code === 'THROTTLED') return `throttled${tail}`;
  if (info.code === 'STATE_STORE_ERROR') return 'state store unreadable';
  // One cause for every call that got no answer: an attempt or a call budget that ran out, or an endpoint skipped after one.
  if (info.code === 'TIMEOUT') return 'unreachable (no answer in time)';
  if (info.code === 'INTERRUPTED') return 'interrupted (snapward was asked to stop)';
  if ((name && UNREACHABLE_ERRORS.test(name)) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|timed out|socket hang up/i.test(info.message)) return `unreachable${tail}`;
  return `${info.code.toLowerCase().replace(/_/g, ' ')}${tail}`;
}
