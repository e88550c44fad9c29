import { ErrorCode, SnapwardError } from '../../domain/errors';

/**
 * Classifies an AWS SDK error into a SnapwardError with a stable code, keeping AWS's own message.
 * Matches on `err.name`, accepting both spellings: the wire code (`DBSnapshotAlreadyExists`)
 * and the SDK v3 shape name (`DBSnapshotAlreadyExistsFault`).
 */
const BY_NAME: ReadonlyArray<[ErrorCode, readonly string[], boolean]> = [
  // [code, AWS names without the Fault suffix, retryable by a later pass]
  ['INSTANCE_NOT_FOUND', ['DBInstanceNotFound', 'DBClusterNotFound'], false],
  ['INVALID_INSTANCE_STATE', ['InvalidDBInstanceState', 'InvalidDBClusterState'], true],
  ['SNAPSHOT_NOT_FOUND', ['DBSnapshotNotFound', 'DBClusterSnapshotNotFound'], false],
  ['INVALID_SNAPSHOT_STATE', ['InvalidDBSnapshotState', 'InvalidDBClusterSnapshotState'], true],
  ['SNAPSHOT_ALREADY_EXISTS', ['DBSnapshotAlreadyExists', 'DBClusterSnapshotAlreadyExists'], false],
  ['KMS_KEY_NOT_ACCESSIBLE', ['KMSKeyNotAccessible', 'NotFoundException', 'DisabledException', 'KMSInvalidStateException', 'KeyUnavailableException'], false],
  ['THROTTLED', ['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException'], true],
  ['ACCESS_DENIED', ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'IncompleteSignature', 'InvalidSignatureException'], false],
  ['INVALID_PARAMETER', ['InvalidParameterValue', 'InvalidParameterCombination', 'ValidationError', 'ValidationException'], false],
  // Restores (drills): quotas on DB instances, clusters and storage per region; the network.
  ['RESTORE_QUOTA_EXCEEDED', ['InstanceQuotaExceeded', 'DBClusterQuotaExceeded', 'StorageQuotaExceeded'], false],
  ['SUBNET_GROUP_NOT_FOUND', ['DBSubnetGroupNotFound'], false],
  ['DB_ALREADY_EXISTS', ['DBInstanceAlreadyExists', 'DBClusterAlreadyExists'], false],
  ['RESTORE_FAILED', ['InvalidRestore', 'InsufficientDBInstanceCapacity', 'InsufficientDBClusterCapacity', 'InsufficientStorageClusterCapacity'], false],
  // No answer: an attempt's connect or request timeout (the SDK's TimeoutError, after its retries),
  // the call's budget (adapters/aws/call-limits.ts), or an endpoint skipped after such a call.
  ['TIMEOUT', ['TimeoutError', 'EndpointUnresponsive', 'RequestTimeout', 'RequestTimeoutException'], true],
  // The process-wide signal (Ctrl-C, SIGTERM, a Lambda near its deadline) aborted the call.
  ['INTERRUPTED', ['AbortError'], true],
  // S3. (ReplicationConfigurationNotFoundError is not an error: the S3 adapter reads it as "no rules".)
  ['BUCKET_NOT_FOUND', ['NoSuchBucket'], false],
  ['THROTTLED', ['SlowDown'], true],
  // A HEAD response has no body: S3's 403 reaches the SDK as a bare `Forbidden`.
  ['ACCESS_DENIED', ['Forbidden'], false],
];

const stripFault = (name: string): string => (name.endsWith('Fault') ? name.slice(0, -'Fault'.length) : name);

interface AwsErrorLike {
  name?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * @param what  what was being done, for the message: `CreateDBSnapshot sw-db1-20261124 in us-east-1`
 */
export function classifyAwsError(err: unknown, what: string): SnapwardError {
  if (err instanceof SnapwardError) return err;
  const e = (err ?? {}) as AwsErrorLike;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  // First line only: SDK deserialization errors (an HTML error page from a proxy or emulator) run on.
  const awsMessage = (typeof e.message === 'string' ? e.message : String(err)).split('\n')[0] as string;
  const message = `${what}: ${name}: ${awsMessage}`;
  const context = { awsErrorName: name, httpStatus: e.$metadata?.httpStatusCode };

  if (stripFault(name) === 'SnapshotQuotaExceeded') {
    // One wire code, two meanings: the concurrent cross-region copy limit (wait for copies to
    // finish: the next pass retries) or the manual snapshot count quota (needs a quota increase).
    const copyLimit = /cop(y|ies)/i.test(awsMessage) && /(region|concurrent|at a time|in progress)/i.test(awsMessage);
    return copyLimit
      ? new SnapwardError('COPY_LIMIT_EXCEEDED', message, { retryable: true, context, cause: err })
      : new SnapwardError('SNAPSHOT_QUOTA_EXCEEDED', message, { retryable: false, context, cause: err });
  }
  for (const [code, names, retryable] of BY_NAME) {
    if (names.includes(stripFault(name))) return new SnapwardError(code, message, { retryable, context, cause: err });
  }
  const status = e.$metadata?.httpStatusCode ?? 0;
  return new SnapwardError('AWS_ERROR', message, { retryable: Boolean(e.$retryable) || status >= 500, context, cause: err });
}
