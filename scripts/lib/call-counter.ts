/**
 * Counts every AWS call the SDK makes, as the SDK makes it: a middleware on each client's stack,
 * so nothing is estimated. Used by the fleet benchmark (scripts/bench-fleet.ts) through the
 * `onClient` hook of AwsClientOptions.
 *
 * Two middlewares per client:
 *  - `benchCallCounter` (initialize step, outermost): once per `client.send`, i.e. per API call as
 *    the caller sees it. Records the operation, whether it mutates, the records a describe/list
 *    returned, the `$metadata.attempts` of the answer (or of the error) and whether it failed.
 *  - `benchAttemptCounter` (finalizeRequest step, right after the SDK's `retryMiddleware`): once per
 *    attempt, so retries are counted where they happen. An attempt that fails with a throttling
 *    error (as the SDK's retry strategy classifies it) is counted as throttled.
 *
 * Listings: a Describe/List call without a continuation token starts a listing; a call whose
 * `Marker`/`NextToken` is one a previous answer returned continues that listing. Per listing the
 * records are summed, so a pass's calls can be re-counted as AWS would page them
 * (`awsPagedCalls`: ceil(records / 100) per listing, at least 1), whatever page size the emulator
 * used (moto answers DescribeDBSnapshots in one response, however many records).
 */

/** The slice of an SDK client's middleware stack the counter uses (any v3 client has it). */
export interface MiddlewareStackLike {
  add(middleware: unknown, options: Record<string, unknown>): void;
  addRelativeTo(middleware: unknown, options: Record<string, unknown>): void;
}

/** Any SDK v3 client (its stack's precise generic types differ per client). */
export interface ClientLike {
  readonly middlewareStack: object;
}

export const stackOf = (client: ClientLike): MiddlewareStackLike => client.middlewareStack as unknown as MiddlewareStackLike;

interface Context {
  readonly commandName?: string;
}
type Next = (args: unknown) => Promise<unknown>;
type Middleware = (next: Next, context: Context) => (args: unknown) => Promise<unknown>;

/** AWS's page for the RDS describes (MaxRecords 100, the largest allowed). */
export const AWS_PAGE_SIZE = 100;

/** Response members that hold the records of the describes a pass makes. */
const RECORD_MEMBERS: Readonly<Record<string, string>> = {
  DescribeDBSnapshots: 'DBSnapshots',
  DescribeDBClusterSnapshots: 'DBClusterSnapshots',
  DescribeDBInstances: 'DBInstances',
  DescribeDBClusters: 'DBClusters',
  DescribeDBInstanceAutomatedBackups: 'DBInstanceAutomatedBackups',
};

/** Reads never change anything; every other operation counts as mutating. */
const READ_PREFIXES = ['Describe', 'List', 'Get', 'Head', 'Download', 'Lookup', 'Query', 'Scan', 'Select'];

/** The error names the SDK's retry strategy treats as throttling (plus `$retryable.throttling` and HTTP 429). */
const THROTTLING_NAMES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

export function isMutating(operation: string): boolean {
  return !READ_PREFIXES.some((p) => operation.startsWith(p));
}

export function isThrottlingError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  return THROTTLING_NAMES.has(e.name ?? '') || e.$metadata?.httpStatusCode === 429 || e.$retryable?.throttling === true;
}

/** `DescribeDBSnapshotsCommand` -> `DescribeDBSnapshots`. */
export const operationOf = (commandName: string | undefined): string => (commandName ?? 'Unknown').replace(/Command$/, '');

export interface OperationStats {
  readonly service: string;
  readonly operation: string;
  readonly region: string;
  readonly mutating: boolean;
  /** API calls (client.send), whatever their attempts. */
  calls: number;
  /** HTTP attempts, first ones included: attempts - calls = retries. */
  attempts: number;
  /** Sum over calls of `$metadata.attempts` - 1: the SDK's own view of the retries. */
  metadataRetries: number;
  /** Attempts answered with a throttling error. */
  throttled: number;
  /** Calls that failed after their last attempt. */
  errors: number;
  /** Records returned (describes and lists). */
  records: number;
  /** Records per listing (a first page and its continuations), in order of start. */
  readonly listings: number[];
  /**
   * Per listing, what it selected: `all`, or the filter it used with how many values
   * (`db-instance-id:50`), so a model can re-count a filtered listing at another inventory depth.
   */
  readonly listingFilters: string[];
}

export interface CounterSnapshot {
  readonly calls: number;
  readonly attempts: number;
  readonly retries: number;
  readonly metadataRetries: number;
  readonly throttled: number;
  readonly errors: number;
  readonly mutatingCalls: number;
  readonly readCalls: number;
  readonly recordsRead: number;
  /** The calls as AWS would page the listings (AWS_PAGE_SIZE records a page); other calls as made. */
  readonly awsPagedCalls: number;
  readonly awsPagedReadCalls: number;
  /** operation -> calls, over every service and region. */
  readonly callsByOperation: Record<string, number>;
  /** region -> calls. */
  readonly callsByRegion: Record<string, number>;
  /** One row per service, operation and region. */
  readonly operations: readonly Readonly<Omit<OperationStats, 'listings'> & { listings: number; listingRecords: readonly number[]; awsPagedCalls: number }>[];
}

export class CallCounter {
  private stats = new Map<string, OperationStats>();
  /** continuation token -> the listing (stats key, index) it continues. */
  private markers = new Map<string, { key: string; index: number }>();

  /** Adds both middlewares to a client's stack; safe to call again for the same client. */
  attach(client: ClientLike, service: string, region: string): void {
    stackOf(client).add(this.callMiddleware(service, region), {
      step: 'initialize',
      priority: 'high',
      name: 'benchCallCounter',
      override: true,
    });
    stackOf(client).addRelativeTo(this.attemptMiddleware(service, region), {
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      name: 'benchAttemptCounter',
      override: true,
    });
  }

  /** Forgets everything counted so far (e.g. between benchmark passes). */
  reset(): void {
    this.stats = new Map();
    this.markers = new Map();
  }

  snapshot(): CounterSnapshot {
    const rows = [...this.stats.values()].map(({ listings, ...row }) => ({ ...row, listings: listings.length, listingRecords: [...listings], awsPagedCalls: pagedCalls(row, listings) }));
    rows.sort((a, b) => a.service.localeCompare(b.service) || a.operation.localeCompare(b.operation) || a.region.localeCompare(b.region));
    const sum = (pick: (r: (typeof rows)[number]) => number, filter: (r: (typeof rows)[number]) => boolean = () => true): number =>
      rows.filter(filter).reduce((n, r) => n + pick(r), 0);
    const callsByOperation: Record<string, number> = {};
    const callsByRegion: Record<string, number> = {};
    for (const r of rows) {
      callsByOperation[r.operation] = (callsByOperation[r.operation] ?? 0) + r.calls;
      callsByRegion[r.region] = (callsByRegion[r.region] ?? 0) + r.calls;
    }
    const calls = sum((r) => r.calls);
    const attempts = sum((r) => r.attempts);
    return {
      calls,
      attempts,
      retries: attempts - calls,
      metadataRetries: sum((r) => r.metadataRetries),
      throttled: sum((r) => r.throttled),
      errors: sum((r) => r.errors),
      mutatingCalls: sum((r) => r.calls, (r) => r.mutating),
      readCalls: sum((r) => r.calls, (r) => !r.mutating),
      recordsRead: sum((r) => r.records),
      awsPagedCalls: sum((r) => r.awsPagedCalls),
      awsPagedReadCalls: sum((r) => r.awsPagedCalls, (r) => !r.mutating),
      callsByOperation,
      callsByRegion,
      operations: rows,
    };
  }

  private row(service: string, operation: string, region: string): { key: string; stats: OperationStats } {
    const key = `${service}|${operation}|${region}`;
    let stats = this.stats.get(key);
    if (!stats) {
      stats = { service, operation, region, mutating: isMutating(operation), calls: 0, attempts: 0, metadataRetries: 0, throttled: 0, errors: 0, records: 0, listings: [], listingFilters: [] };
      this.stats.set(key, stats);
    }
    return { key, stats };
  }

  private callMiddleware(service: string, region: string): Middleware {
    return (next, context) => async (args) => {
      const operation = operationOf(context.commandName);
      const { key, stats } = this.row(service, operation, region);
      stats.calls++;
      const input = ((args as { input?: Record<string, unknown> }).input ?? {}) as Record<string, unknown>;
      const started = stats.listings.length;
      const listing = stats.mutating ? -1 : this.listingFor(key, stats, continuationOf(input));
      if (stats.listings.length > started) stats.listingFilters.push(filterOf(input));
      try {
        const result = (await next(args)) as { output?: Record<string, unknown> };
        const output = result.output ?? {};
        stats.metadataRetries += Math.max(0, metadataAttempts(output) - 1);
        if (listing >= 0) {
          const n = recordsIn(operation, output);
          stats.records += n;
          stats.listings[listing] = (stats.listings[listing] ?? 0) + n;
          const token = continuationOf(output);
          if (token) this.markers.set(`${key}|${token}`, { key, index: listing });
        }
        return result;
      } catch (err) {
        stats.errors++;
        stats.metadataRetries += Math.max(0, metadataAttempts(err) - 1);
        throw err;
      }
    };
  }

  private attemptMiddleware(service: string, region: string): Middleware {
    return (next, context) => async (args) => {
      const { stats } = this.row(service, operationOf(context.commandName), region);
      stats.attempts++;
      try {
        return await next(args);
      } catch (err) {
        if (isThrottlingError(err)) stats.throttled++;
        throw err;
      }
    };
  }

  /** The listing a call belongs to: the one its continuation token came from, or a new one. */
  private listingFor(key: string, stats: OperationStats, token: string | null): number {
    if (token) {
      const known = this.markers.get(`${key}|${token}`);
      if (known) {
        this.markers.delete(`${key}|${token}`);
        return known.index;
      }
    }
    stats.listings.push(0);
    return stats.listings.length - 1;
  }
}

/** What the calls of one row would have been with AWS paging: per listing ceil(records/100), at least 1. */
function pagedCalls(row: Pick<OperationStats, 'mutating' | 'calls'>, listings: readonly number[]): number {
  if (row.mutating || listings.length === 0) return row.calls;
  return listings.reduce((n, records) => n + Math.max(1, Math.ceil(records / AWS_PAGE_SIZE)), 0);
}

/** `all`, or `<first filter name>:<number of values>` of a describe's Filters. */
function filterOf(input: Record<string, unknown>): string {
  const filters = input.Filters as { Name?: string; Values?: unknown[] }[] | undefined;
  const first = filters?.[0];
  return first?.Name ? `${first.Name}:${first.Values?.length ?? 0}` : 'all';
}

function continuationOf(shape: Record<string, unknown>): string | null {
  const token = shape.Marker ?? shape.NextToken ?? shape.NextMarker ?? shape.ContinuationToken ?? shape.NextContinuationToken;
  return typeof token === 'string' && token !== '' ? token : null;
}

function metadataAttempts(value: unknown): number {
  const attempts = (value as { $metadata?: { attempts?: number } } | null)?.$metadata?.attempts;
  return typeof attempts === 'number' ? attempts : 1;
}

/** Records in a describe/list answer: the known member, else every top-level array. */
export function recordsIn(operation: string, output: Record<string, unknown>): number {
  const member = RECORD_MEMBERS[operation];
  if (member) {
    const list = output[member];
    return Array.isArray(list) ? list.length : 0;
  }
  return Object.entries(output).reduce((n, [k, v]) => n + (k !== '$metadata' && Array.isArray(v) ? v.length : 0), 0);
}
