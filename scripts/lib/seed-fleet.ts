import type { CredentialsProvider as AwsCredentialIdentityProvider } from '../../src/adapters/aws/clients';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateDBClusterCommand, CreateDBInstanceCommand, CreateDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';

/**
 * Creates a fleet of RDS instances and Aurora clusters in an AWS emulator (moto): a KMS key per
 * region (aliased `alias/snapward-dr`), encrypted databases with the given tags. Used by the demo,
 * the integration tests and the benchmarks. Never point this at a real account.
 */
export interface SeedDatabase {
  readonly id: string;
  readonly kind: 'instance' | 'cluster';
  readonly region: string;
  readonly encrypted?: boolean;
  readonly tags?: Record<string, string>;
}

export interface SeededFleet {
  /** region -> key ARN of `alias/snapward-dr` there */
  readonly keys: Record<string, string>;
}

export const DR_KEY_ALIAS = 'alias/snapward-dr';

/**
 * DR keys (alias/snapward-dr) in `regions` and the databases. `credentials`: seed another account
 * (an assumed role's credentials; moto acts in the role's account).
 */
export async function seedFleet(regions: readonly string[], databases: readonly SeedDatabase[], concurrency = 10, credentials?: AwsCredentialIdentityProvider): Promise<SeededFleet> {
  const keys: Record<string, string> = {};
  const as = credentials ? { credentials } : {};
  for (const region of regions) {
    const kms = new KMSClient({ region, ...as });
    const key = await kms.send(new CreateKeyCommand({ Description: `snapward demo key ${region}` }));
    await kms.send(new CreateAliasCommand({ AliasName: DR_KEY_ALIAS, TargetKeyId: key.KeyMetadata?.KeyId }));
    keys[region] = key.KeyMetadata?.Arn as string;
    kms.destroy();
  }
  const clients = new Map(regions.map((r) => [r, new RDSClient({ region: r, ...as })]));
  const queue = [...databases];
  const worker = async (): Promise<void> => {
    for (let db = queue.shift(); db; db = queue.shift()) await createDatabase(clients.get(db.region) ?? new RDSClient({ region: db.region, ...as }), db, keys[db.region]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  for (const c of clients.values()) c.destroy();
  return { keys };
}

async function createDatabase(client: RDSClient, db: SeedDatabase, keyArn: string | undefined): Promise<void> {
  const encrypted = db.encrypted ?? true;
  const Tags = Object.entries(db.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  const encryption = encrypted ? { StorageEncrypted: true, KmsKeyId: keyArn } : { StorageEncrypted: false };
  if (db.kind === 'instance') {
    await client.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: db.id,
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'snapward',
        MasterUserPassword: 'not-a-secret-demo-only',
        BackupRetentionPeriod: 7,
        Tags,
        ...encryption,
      }),
    );
  } else {
    await client.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: db.id,
        Engine: 'aurora-postgresql',
        MasterUsername: 'snapward',
        MasterUserPassword: 'not-a-secret-demo-only',
        Tags,
        ...encryption,
      }),
    );
  }
}

/** A snapshot made by someone else (no snapward tags): must survive every pass. */
export async function createForeignSnapshot(region: string, instanceId: string, snapshotId: string): Promise<void> {
  const client = new RDSClient({ region });
  await client.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: instanceId, DBSnapshotIdentifier: snapshotId, Tags: [{ Key: 'owner', Value: 'dba-team' }] }));
  client.destroy();
}

/** Points the SDK (every client built after this) at the emulator with dummy credentials. */
export function useEmulator(endpoint: string): void {
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_REGION = process.env.AWS_REGION ?? 'us-east-1';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
}
