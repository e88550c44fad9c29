import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';

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
  readonly onClient?: (client: RDSClient | KMSClient, service: 'rds' | 'kms', region: string) => void;
}

export const DEFAULT_CLIENT_OPTIONS = { maxAttempts: 8, retryMode: 'adaptive' } as const;

export class AwsClients {
  private readonly rdsClients = new Map<string, RDSClient>();
  private readonly kmsClients = new Map<string, KMSClient>();
  private readonly options: AwsClientOptions;

  constructor(options: AwsClientOptions = {}) {
    this.options = { ...DEFAULT_CLIENT_OPTIONS, ...options };
  }

  rds(region: string): RDSClient {
    return this.cached(this.rdsClients, region, () => new RDSClient(this.config(region)), 'rds');
  }

  kms(region: string): KMSClient {
    return this.cached(this.kmsClients, region, () => new KMSClient(this.config(region)), 'kms');
  }

  destroy(): void {
    for (const c of [...this.rdsClients.values(), ...this.kmsClients.values()]) c.destroy();
    this.rdsClients.clear();
    this.kmsClients.clear();
  }

  private config(region: string) {
    return {
      region,
      maxAttempts: this.options.maxAttempts,
      retryMode: this.options.retryMode,
      requestHandler: (this.options.requestHandler ?? { requestTimeout: 30_000, connectionTimeout: 5_000 }) as never,
    };
  }

  private cached<C extends RDSClient | KMSClient>(map: Map<string, C>, region: string, build: () => C, service: 'rds' | 'kms'): C {
    let client = map.get(region);
    if (!client) {
      client = build();
      this.options.onClient?.(client, service, region);
      map.set(region, client);
    }
    return client;
  }
}
