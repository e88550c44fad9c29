import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { bindCallLimits, CallLimits, DEFAULT_CALL_LIMITS, EndpointBreaker, httpHandlerLimits, SignalSource } from './call-limits';

/** Temporary or long-term credentials, asked for by the SDK before it signs (the SDK's own provider shape). */
export type CredentialsProvider = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;

/**
 * The only place SDK clients are built: one client per service and region, reused for the life
 * of the process (a Lambda container keeps them warm). Endpoint, credentials and region defaults
 * come from the standard SDK configuration (AWS_ENDPOINT_URL, the credentials chain, ...).
 */
export interface AwsClientOptions {
  /** Total attempts per call, first included (SDK default 3; RDS fan-out wants more). */
  readonly maxAttempts?: number;
  /**
   * `standard` (the default): exponential backoff with jitter, from 500 ms after a throttle.
   * `adaptive` adds a client-side rate limiter that keeps slowing down while throttles go on:
   * with 30 % of RDS requests throttled it turned a 8 s pass into minutes (README, "Throttling").
   */
  readonly retryMode?: 'standard' | 'adaptive';
  /** Replaces the HTTP layer (tests script responses through the real SDK middleware stack). */
  readonly requestHandler?: unknown;
  /** Called once for every client built, e.g. to add a call-counting middleware. */
  readonly onClient?: (client: AnyClient, service: Service, region: string) => void;
  /** Path-style S3 URLs (`endpoint/bucket/key`): emulators such as moto need them. */
  readonly s3ForcePathStyle?: boolean;
  /** Connect and request timeouts per attempt, budget per call (config key `aws`). */
  readonly limits?: Partial<CallLimits>;
  /**
   * The process-wide signal (Ctrl-C, SIGTERM, a Lambda near its deadline): aborts every call in
   * flight, except the state store's, which must still record the interrupted run.
   */
  readonly signal?: AbortSignal;
  /**
   * Credentials every client signs with (another account's assumed role, account-credentials.ts);
   * absent: the SDK's default chain, the caller's own.
   */
  readonly credentials?: CredentialsProvider;
}

type AnyClient = RDSClient | KMSClient | EventBridgeClient | S3Client | DynamoDBDocumentClient | STSClient | LambdaClient;
type Service = 'rds' | 'kms' | 'events' | 's3' | 'dynamodb' | 'sts' | 'lambda';
/** The longest a drill's validation hook (a Lambda invocation) may take: Lambda's own maximum. */
const HOOK_CALL_MS = 15 * 60 * 1000;
const SERVICE_NAMES: Record<Service, string> = { rds: 'RDS', kms: 'KMS', events: 'EventBridge', s3: 'S3', dynamodb: 'DynamoDB', sts: 'STS', lambda: 'Lambda' };

/** Chosen from the fleet bench's throttled pass (README, "Throttling: the retry mode"). */
export const DEFAULT_CLIENT_OPTIONS = { maxAttempts: 8, retryMode: 'standard' } as const;

/** How long an endpoint that gave no answer within a whole call budget is skipped: two budgets. */
const BREAKER_OPEN_BUDGETS = 2;

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
  readonly limits: CallLimits;
  private readonly breaker: EndpointBreaker;
  private signal: AbortSignal | undefined;
  /** Sets signing with other credentials (withCredentials): they follow this set's signal. */
  private readonly siblings: AwsClients[] = [];

  constructor(options: AwsClientOptions = {}, breaker = new EndpointBreaker()) {
    this.options = { ...DEFAULT_CLIENT_OPTIONS, ...options };
    this.limits = { ...DEFAULT_CALL_LIMITS, ...options.limits };
    this.signal = options.signal;
    this.breaker = breaker;
  }

  /**
   * The same clients (options, limits, signal), signing with `credentials`: one set per account.
   * An endpoint that stopped answering is skipped for every account alike (one breaker).
   */
  withCredentials(credentials: CredentialsProvider): AwsClients {
    const sibling = new AwsClients({ ...this.options, signal: this.signal, credentials }, this.breaker);
    this.siblings.push(sibling);
    return sibling;
  }

  /**
   * Replaces the process-wide signal for calls made from now on (a Lambda container serves many
   * invocations, each with its own deadline). Undefined: no signal.
   */
  useSignal(signal: AbortSignal | undefined): void {
    this.signal = signal;
    for (const sibling of this.siblings) sibling.useSignal(signal);
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

  /**
   * Lambda, for a restore drill's validation hook (one attempt: a hook is not retried behind its
   * back). A hook may run up to the Lambda maximum (15 minutes), so its calls get that long; the
   * hook's own `hookTimeout` is enforced by its caller's abort signal.
   */
  lambda(region: string): LambdaClient {
    const limits: CallLimits = { ...this.limits, requestTimeoutMs: HOOK_CALL_MS, callBudgetMs: HOOK_CALL_MS };
    return this.cached(this.lambdaClients, region, () => new LambdaClient({ ...this.config(region, limits), maxAttempts: 1 }), 'lambda', limits);
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
    for (const sibling of this.siblings) sibling.destroy();
  }

  private config(region: string, limits: CallLimits = this.limits) {
    return {
      region,
      maxAttempts: this.options.maxAttempts,
      retryMode: this.options.retryMode,
      requestHandler: (this.options.requestHandler ?? httpHandlerLimits(limits)) as never,
      ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
    };
  }

  private cached<C extends AnyClient>(map: Map<string, C>, region: string, build: () => C, service: Service, limits: CallLimits = this.limits): C {
    let client = map.get(region);
    if (!client) {
      client = build();
      bindCallLimits(client as never, {
        limits,
        breaker: this.breaker,
        // The store's calls must outlive an interruption: they record it. The budget bounds them.
        signal: service === 'dynamodb' ? null : () => this.signal,
        breakerOpenMs: BREAKER_OPEN_BUDGETS * this.limits.callBudgetMs,
        service: SERVICE_NAMES[service],
      });
      this.options.onClient?.(client, service, region);
      map.set(region, client);
    }
    return client;
  }
}
