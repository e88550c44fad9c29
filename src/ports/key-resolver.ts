/** What KMS says of a key, as the watchdog needs it. */
export interface KeyState {
  /** The key's ARN; null when it does not exist. */
  readonly arn: string | null;
  /** KMS KeyState (`Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, `Unavailable`, ...) or `NotFound`. */
  readonly state: string;
  /** When a key pending deletion will be deleted. */
  readonly deletionDate: Date | null;
  /** `AWS` for AWS managed keys (aws/rds: cannot be disabled or shared), `CUSTOMER` otherwise. */
  readonly manager: 'AWS' | 'CUSTOMER' | null;
}

/** Turns a configured KMS key reference (id, ARN, alias) into the key's ARN in that region. */
export interface KeyResolver {
  /** Throws SnapwardError KMS_KEY_NOT_ACCESSIBLE when the key does not exist or is not usable. */
  resolve(region: string, keyRef: string): Promise<string>;
  /**
   * The key's current state (one DescribeKey, never cached: states change). A key that does not
   * exist answers `NotFound`; any other failure (access denied, unreachable) throws.
   */
  inspect(region: string, keyRef: string): Promise<KeyState>;
}
