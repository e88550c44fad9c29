/** Turns a configured KMS key reference (id, ARN, alias) into the key's ARN in that region. */
export interface KeyResolver {
  /** Throws SnapwardError KMS_KEY_NOT_ACCESSIBLE when the key does not exist or is not usable. */
  resolve(region: string, keyRef: string): Promise<string>;
}
