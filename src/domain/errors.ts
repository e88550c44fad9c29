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
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
  /** Which step failed: `list`, `create`, `copy`, `delete`, `discover`, ... */
  readonly step?: string;
  readonly retryable?: boolean;
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
    return { code: this.code, message: this.message, retryable: this.retryable, ...(step ? { step } : {}) };
  }
}

/** Any thrown value as an ErrorInfo: SnapwardErrors keep their code, anything else is INTERNAL. */
export function toErrorInfo(err: unknown, step?: string): ErrorInfo {
  if (err instanceof SnapwardError) return err.toInfo(step);
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, retryable: false, ...(step ? { step } : {}) };
}
