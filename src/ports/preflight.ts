/**
 * Read-only questions the doctor asks the account before anything is trusted: who the
 * credentials belong to, what a KMS key is, whether the alert bus exists. Implementations throw
 * SnapwardErrors with stable codes (ACCESS_DENIED, KMS_KEY_NOT_ACCESSIBLE, AWS_ERROR, ...).
 */
export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
}

export interface KeyDescription {
  readonly arn: string;
  /** `Enabled`, `Disabled`, `PendingDeletion`, ... */
  readonly state: string;
  /** `ENCRYPT_DECRYPT` is what RDS needs. */
  readonly usage: string | null;
  /** `SYMMETRIC_DEFAULT` is the only spec RDS accepts. */
  readonly spec: string | null;
}

export interface PreflightProbe {
  callerIdentity(region: string): Promise<CallerIdentity>;
  describeKey(region: string, keyRef: string): Promise<KeyDescription>;
  /** The bus's ARN; throws (code AWS_ERROR, `ResourceNotFoundException` in the message) when absent. */
  describeEventBus(region: string, name: string): Promise<{ arn: string }>;
}
