import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The only place SDK clients are built: one client per service and region, reused for the life
 * of the process (a Lambda container keeps them warm). Endpoint, credentials and region defaults
 * come from the standard SDK configuration (AWS_ENDPOINT_URL, the credentials chain, ...).
 */
export interface AwsClientOptions {
  /** Total attempts per call, first included (SDK default 3; RDS fan-out wants more). */
  readonly maxAttempts?: number;
  /** `adaptive` adds client-side rate limiting after throttles: right for fan-out loops. */
  readonly retryMode?: 'standard' | 'adaptive';
  /** Replaces the HTTP layer (tests script responses through the real SDK middleware stack). */
  readonly requestHandler?: unknown;
  /** Called once for every client built, e.g. to add a call-counting middleware. */
  readonly onClient?: (client: AnyClient, service: Service, region: string) => void;
  /** Path-style S3 URLs (`endpoint/bucket/key`): emulators such as moto need them. */
  readonly s3ForcePathStyle?: boolean;
}

type AnyClient = RDSClient | KMSClient | EventBridgeClient | S3Client | DynamoDBDocumentClient | STSClient | LambdaClient;
type Service = 'rds' | 'kms' | 'events' | 's3' | 'dynamodb' | 'sts' | 'lambda';

export const DEFAULT_CLIENT_OPTIONS = { maxAttempts: 8, retryMode: 'adaptive' } as const;

export class AwsClients {
  private readonly rdsClients = new Map<string, RDSClient>();
  private readonly kmsClients = new Map<string, KMSClient>();
  private readonly eventBridgeClients = new Map<string, EventBridgeClient>();
  private readonly s3Clients = new Map<string, S3Client>();
  private readonly dynamoDocClients = new Map<string, DynamoDBDocumentClient>();
  /** The clients under the document clients: a document client's destroy() is a no-op. */
  private readonly dynamoClients = new Map<string, DynamoDBClient>();
  private readonly lambdaClients = new Map<string, LambdaClient>();
  private readonly stsClients = new Map<string, STSClient>();
  private readonly options: AwsClientOptions;

  constructor(options: AwsClientOptions = {}) {
    this.options = { ...DEFAULT_CLIENT_OPTIONS, ...options };
  }

  rds(region: string): RDSClient {
    return this.cached(this.rdsClients, region, () => new RDSClient(this.config(region)), 'rds');
  }

  /**
   * RDS with few retries, for optional reads whose failure the caller tolerates (the quota read:
   * some endpoints do not implement it, and eight backed-off retries of a 500 only add seconds).
   */
  rdsOptional(region: string): RDSClient {
    return this.cached(this.rdsClients, `${region}#optional`, () => new RDSClient({ ...this.config(region), maxAttempts: 2 }), 'rds');
  }

  kms(region: string): KMSClient {
    return this.cached(this.kmsClients, region, () => new KMSClient(this.config(region)), 'kms');
  }

  eventBridge(region: string): EventBridgeClient {
    return this.cached(this.eventBridgeClients, region, () => new EventBridgeClient(this.config(region)), 'events');
  }

  s3(region: string): S3Client {
    // followRegionRedirects: a bucket configured under the wrong region still answers (S3 says
    // where it is), so the verifier can report the wrong region instead of failing on a 301.
    const build = () => new S3Client({ ...this.config(region), forcePathStyle: Boolean(this.options.s3ForcePathStyle), followRegionRedirects: true });
    return this.cached(this.s3Clients, region, build, 's3');
  }

  /** A DynamoDB document client (plain JS values in and out; undefined attributes dropped). */
  dynamo(region: string): DynamoDBDocumentClient {
    const build = () => {
      const client = new DynamoDBClient(this.config(region));
      this.dynamoClients.set(region, client);
      return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    };
    return this.cached(this.dynamoDocClients, region, build, 'dynamodb');
  }

  /** Lambda, for a restore drill's validation hook (one attempt: a hook is not retried behind its back). */
  lambda(region: string): LambdaClient {
    return this.cached(this.lambdaClients, region, () => new LambdaClient({ ...this.config(region), maxAttempts: 1 }), 'lambda');
  }

  /** STS (the doctor's "who am I"): regional endpoint, few retries: it is one call. */
  sts(region: string): STSClient {
    return this.cached(this.stsClients, region, () => new STSClient({ ...this.config(region), maxAttempts: 2 }), 'sts');
  }

  destroy(): void {
    for (const map of [this.lambdaClients, this.rdsClients, this.kmsClients, this.eventBridgeClients, this.s3Clients, this.dynamoDocClients, this.dynamoClients, this.stsClients] as Map<string, { destroy(): void }>[]) {
      for (const c of map.values()) c.destroy();
      map.clear();
    }
  }

  private config(region: string) {
    return {
      region,
      maxAttempts: this.options.maxAttempts,
      retryMode: this.options.retryMode,
      requestHandler: (this.options.requestHandler ?? { requestTimeout: 30_000, connectionTimeout: 5_000 }) as never,
    };
  }

  private cached<C extends AnyClient>(map: Map<string, C>, region: string, build: () => C, service: Service): C {
    let client = map.get(region);
    if (!client) {
      client = build();
      this.options.onClient?.(client, service, region);
      map.set(region, client);
    }
    return client;
  }
}
