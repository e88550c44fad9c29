import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { SnapwardError } from '../../domain/errors';
import { KeyResolver, KeyState } from '../../ports/key-resolver';
import { AwsClients } from './clients';
import { classifyAwsError } from './errors';

/**
 * Resolves configured DR keys (alias, id or ARN) to key ARNs with one DescribeKey per key and
 * region, cached for the life of the process. Resolving first turns "the DR key is missing or
 * disabled" into one clear KMS_KEY_NOT_ACCESSIBLE before any copy is attempted.
 */
export class KmsKeyResolver implements KeyResolver {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly clients: AwsClients) {}

  resolve(region: string, keyRef: string): Promise<string> {
    const key = `${region}|${keyRef}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.describe(region, keyRef);
      // Only successes are kept: a key created after a failure is picked up by the next call.
      pending.catch(() => this.cache.delete(key));
      this.cache.set(key, pending);
    }
    return pending;
  }

  async inspect(region: string, keyRef: string): Promise<KeyState> {
    let metadata;
    try {
      metadata = (await this.clients.kms(region).send(new DescribeKeyCommand({ KeyId: keyRef }))).KeyMetadata;
    } catch (err) {
      // NotFoundException: no such key or alias in this region. Anything else: we could not look.
      if ((err as { name?: string } | null)?.name === 'NotFoundException') return { arn: null, state: 'NotFound', deletionDate: null, manager: null };
      throw classifyAwsError(err, `DescribeKey ${keyRef} in ${region}`);
    }
    return {
      arn: metadata?.Arn ?? null,
      state: metadata?.KeyState ?? 'Unknown',
      deletionDate: metadata?.DeletionDate ?? null,
      manager: metadata?.KeyManager === 'AWS' ? 'AWS' : metadata?.KeyManager === 'CUSTOMER' ? 'CUSTOMER' : null,
    };
  }

  private async describe(region: string, keyRef: string): Promise<string> {
    const what = `KMS key ${keyRef} in ${region}`;
    let metadata;
    try {
      metadata = (await this.clients.kms(region).send(new DescribeKeyCommand({ KeyId: keyRef }))).KeyMetadata;
    } catch (err) {
      throw classifyAwsError(err, `DescribeKey ${keyRef} in ${region}`);
    }
    if (!metadata?.Arn) throw new SnapwardError('KMS_KEY_NOT_ACCESSIBLE', `${what}: DescribeKey returned no key`);
    if (metadata.KeyState && metadata.KeyState !== 'Enabled') {
      throw new SnapwardError('KMS_KEY_NOT_ACCESSIBLE', `${what} is ${metadata.KeyState}, expected Enabled`);
    }
    return metadata.Arn;
  }
}
