/**
 * The state store on one DynamoDB table: the store of the Lambda deployment, where no file
 * system survives an invocation. Single-table design; the CDK stack creates the table.
 *
 * Table (exactly what the stack must create; `createTable` below does the same for tests):
 *   partition key `pk` (String), sort key `sk` (String), no GSI, no LSI,
 *   billing PAY_PER_REQUEST, TTL enabled on attribute `expiresAt` (Number, epoch seconds).
 *
 * Items:
 *   pk                  sk                       what
 *   RUN#<id>            RUN                      the run; resultSeq counts results recorded
 *   RUN#<id>            RESULT#<place>          one instance's result (resultPlace: account/region/kind/id); `seq` keeps first-recorded order
 *   RUNS                <startedAt ISO>#<id>     listing entry (id, kind): newest first = query backwards
 *   RUNNING             <id>                     present while the run is `running` (listRunning)
 *   FINDING#<id>        FINDING                  a finding
 *   FINDINGKEY#<key>    OPEN                     guard: exists while a finding of <key> is open (findingId)
 *   FINDINGS            <openedAt ISO>#<id>      listing entry (id, status): newest opened first
 *   LEASE#<name>        LEASE                    a lease: owner, leaseUntil (ISO, exclusive)
 *   MEMBERS             <member key>             a member's ledger summary (dueAt, auditedAt, policy, pending)
 *   MEMBER#<key>        SNAPSHOTS                its ledger snapshots (JSON): kept apart so the
 *                                                summaries an idle pass queries stay small
 *   HISTORY#<day>       <instanceId>             one instance's compliance that UTC day (domain/history.ts);
 *                                                `expiresAt` = the day + 400 days, and a listing never
 *                                                reads a day more than 400 days before its `to`
 *   DRILL#<id>, DRILLS  ...                      restore drills (dynamodb-drill-store.ts)
 *
 * Every item of a run (run, results, listing, running) carries `expiresAt` = startedAt +
 * `runTtlDays`, so DynamoDB deletes old runs by itself; a lease carries its own end there, so
 * stale leases go too (deleting an expired lease changes nothing: expired is free). Findings do
 * not expire. Times are ISO-8601 UTC strings (fixed width: they sort as strings, as in SQLite);
 * documents (summary, error, details, results, finding detail) are JSON strings, byte for byte
 * what the SQLite driver stores, so both round-trip alike.
 *
 * "Only if" rules are conditional writes, never read-then-write: a run id is taken once
 * (`attribute_not_exists`), a run is finished only while `running`, at most one finding per key
 * is open (the guard item, written in the same transaction as the finding), a lease is taken only
 * when free, expired or already ours. Reads are strongly consistent. The listing partitions
 * (RUNS, RUNNING, FINDINGS) take a few writes per run or finding: far from any partition limit.
 */
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  QueryCommandInput,
  TransactWriteCommand,
  TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { MemberState, MemberStateSummary } from '../../domain/ledger';
import { addDays, COMPLIANCE_RETENTION_DAYS, ComplianceDay } from '../../domain/history';
import { byDayThenInstance, ComplianceRecord, decodeCompliance, encodeCompliance, keptRange } from './compliance-codec';
import { DynamoDbDrillStore } from './dynamodb-drill-store';
import { checkMemberState, decodeLedgerBody, decodeMemberSummary, encodeLedgerBody, encodeMemberSummary, StoredMemberSummary } from './member-state-codec';
import { decodeResult, decodeRun, encodeFinish, encodeResult, StoredRun } from './run-codec';
import { resultPlace } from '../../domain/runs';
import { decodeFinding, encodeAcknowledgement, StoredFinding } from './finding-codec';
import { FailureClass, findingExists, runExists, storeError, storeFailure, StoreIdentity, StoreRefusal, unknownFinding, unknownRun } from './store-errors';
import { checkLimit, checkTtl, iso } from './store-input';
import { Acknowledgement, Finding, FindingObservation, FinishRun, InstanceResult, NewRun, RunKind, RunRecord, StateStore } from '../../ports/state-store';

/** The table's key schema and TTL attribute, for the stack and for `createTable`. */
export const DYNAMODB_STATE_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
} as const;

export const DEFAULT_RUN_TTL_DAYS = 400;

export interface DynamoDbStateStoreOptions {
  /** How long a run (and its results) is kept, counted from its start; default 400 days. */
  readonly runTtlDays?: number;
}

type Item = Record<string, unknown>;
type Key = { pk: string; sk: string };
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const RUNS = 'RUNS';
const RUNNING = 'RUNNING';
const FINDINGS = 'FINDINGS';
const DAY_SECONDS = 86_400;
/** Attempts for a transaction that another transaction touched at the same moment. */
const TRANSACT_ATTEMPTS = 8;
/** Attempts of observeFinding's look-up-then-write cycle against concurrent observers/resolvers. */
const OBSERVE_ATTEMPTS = 8;
const BATCH_GET_MAX = 100;
const CCF = 'ConditionalCheckFailed';
/** Cancellation reasons worth another try: the transaction itself was fine. */
const TRANSIENT_REASONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded', 'InternalServerError']);
const RETRYABLE_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TransactionInProgressException',
]);

const runKey = (id: string): Key => ({ pk: `RUN#${id}`, sk: 'RUN' });
const resultKey = (runId: string, instanceId: string): Key => ({ pk: `RUN#${runId}`, sk: `RESULT#${instanceId}` });
const runListingKey = (startedAt: string, id: string): Key => ({ pk: RUNS, sk: `${startedAt}#${id}` });
const runningKey = (id: string): Key => ({ pk: RUNNING, sk: id });
const findingKey = (id: string): Key => ({ pk: `FINDING#${id}`, sk: 'FINDING' });
const guardKey = (key: string): Key => ({ pk: `FINDINGKEY#${key}`, sk: 'OPEN' });
const findingListingKey = (openedAt: string, id: string): Key => ({ pk: FINDINGS, sk: `${openedAt}#${id}` });
const leaseKey = (name: string): Key => ({ pk: `LEASE#${name}`, sk: 'LEASE' });
const MEMBERS = 'MEMBERS';
const memberSummaryKey = (key: string): Key => ({ pk: MEMBERS, sk: key });
const memberSnapshotsKey = (key: string): Key => ({ pk: `MEMBER#${key}`, sk: 'SNAPSHOTS' });
const historyKey = (day: string, instanceId: string): Key => ({ pk: `HISTORY#${day}`, sk: instanceId });
const BATCH_WRITE_MAX = 25;
const BATCH_WRITE_ATTEMPTS = 8;

export class DynamoDbStateStore implements StateStore {
  private readonly runTtlSeconds: number;
  private readonly store: StoreIdentity;
  private closed = false;

  /**
   * `client` belongs to the caller (AwsClients caches one per region): `close` leaves it alone.
   * The store never writes undefined values, so any DocumentClient marshalling options do.
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoDbStateStoreOptions = {},
  ) {
    this.store = identity(tableName);
    const days = options.runTtlDays ?? DEFAULT_RUN_TTL_DAYS;
    if (!Number.isFinite(days) || days <= 0) throw storeError(this.store, `runTtlDays must be a positive number, got ${days}`);
    this.runTtlSeconds = Math.round(days * DAY_SECONDS);
  }

  /**
   * Creates the table as the stack does (key schema, on-demand billing, TTL on `expiresAt`) and
   * waits until it is usable; for tests and local setups. An existing table is left as it is
   * (TTL is switched on when off).
   */
  static async createTable(client: DynamoDBClient, tableName: string): Promise<void> {
    const { partitionKey, sortKey, ttlAttribute } = DYNAMODB_STATE_TABLE;
    try {
      try {
        await client.send(
          new CreateTableCommand({
            TableName: tableName,
            AttributeDefinitions: [
              { AttributeName: partitionKey, AttributeType: 'S' },
              { AttributeName: sortKey, AttributeType: 'S' },
            ],
            KeySchema: [
              { AttributeName: partitionKey, KeyType: 'HASH' },
              { AttributeName: sortKey, KeyType: 'RANGE' },
            ],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
      } catch (err) {
        if (errorName(err) !== 'ResourceInUseException') throw err;
      }
      await waitUntilTableExists({ client, maxWaitTime: 300, minDelay: 1, maxDelay: 10 }, { TableName: tableName });
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
      if (status !== 'ENABLED' && status !== 'ENABLING') {
        await client.send(
          new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: ttlAttribute } }),
        );
      }
    } catch (err) {
      throw storeFailure(identity(tableName), 'createTable', err, classify);
    }
  }

  async startRun(run: NewRun): Promise<void> {
    await this.exec('startRun', async () => {
      const startedAt = iso(run.startedAt, 'startedAt');
      const expiresAt = this.runExpiry(run.startedAt);
      const item: Item = {
        ...runKey(run.id),
        id: run.id,
        kind: run.kind,
        trigger: run.trigger,
        startedAt,
        finishedAt: null,
        outcome: 'running',
        ownerHost: run.owner.host,
        ownerPid: run.owner.pid,
        heartbeatAt: startedAt,
        summary: null,
        error: null,
        details: null,
        resultSeq: 0,
        expiresAt,
      };
      const reasons = await this.transact([
        { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: this.tableName, Item: { ...runListingKey(startedAt, run.id), id: run.id, kind: run.kind, expiresAt } } },
        { Put: { TableName: this.tableName, Item: { ...runningKey(run.id), id: run.id, expiresAt } } },
      ]);
      if (!reasons) return;
      if (reasons[0] === CCF || (await this.get(runKey(run.id)))) throw runExists(run.id);
      throw this.cancelled(reasons);
    });
  }

  async recordInstance(runId: string, result: InstanceResult, at: Date): Promise<void> {
    await this.exec('recordInstance', async () => {
      const when = iso(at, 'at');
      const body = encodeResult(result);
      // The run's counter hands out the place; a re-record keeps the place it got first
      // (if_not_exists), so the order is first-recorded even across processes.
      const run = await this.updateExisting(
        runKey(runId),
        'SET #heartbeatAt = :at ADD #resultSeq :one',
        { '#heartbeatAt': 'heartbeatAt', '#resultSeq': 'resultSeq' },
        { ':at': when, ':one': 1 },
      );
      if (!run) throw unknownRun(runId);
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: resultKey(runId, resultPlace(result)),
          UpdateExpression: 'SET #instanceId = :iid, #result = :result, #recordedAt = :at, #seq = if_not_exists(#seq, :seq), #expiresAt = :exp',
          ExpressionAttributeNames: {
            '#instanceId': 'instanceId',
            '#result': 'result',
            '#recordedAt': 'recordedAt',
            '#seq': 'seq',
            '#expiresAt': 'expiresAt',
          },
          ExpressionAttributeValues: {
            ':iid': result.instanceId,
            ':result': body,
            ':at': when,
            ':seq': run.resultSeq as number,
            ':exp': (run.expiresAt as number | undefined) ?? this.runExpiry(new Date(run.startedAt as string)),
          },
        }),
      );
    });
  }

  async heartbeat(runId: string, at: Date): Promise<void> {
    await this.exec('heartbeat', async () => {
      const when = iso(at, 'at');
      const run = await this.updateExisting(runKey(runId), 'SET #heartbeatAt = :at', { '#heartbeatAt': 'heartbeatAt' }, { ':at': when });
      if (!run) throw unknownRun(runId);
    });
  }

  async finishRun(runId: string, finish: FinishRun): Promise<boolean> {
    return this.exec('finishRun', async () => {
      const closing = encodeFinish(finish);
      const reasons = await this.transact([
        {
          Update: {
            TableName: this.tableName,
            Key: runKey(runId),
            UpdateExpression: 'SET #outcome = :outcome, #finishedAt = :finishedAt, #summary = :summary, #error = :error, #details = :details',
            // The outcome guard makes check-and-set one write: a late finish loses to `interrupted`.
            ConditionExpression: 'attribute_exists(pk) AND #outcome = :running',
            ExpressionAttributeNames: {
              '#outcome': 'outcome',
              '#finishedAt': 'finishedAt',
              '#summary': 'summary',
              '#error': 'error',
              '#details': 'details',
            },
            ExpressionAttributeValues: {
              ':outcome': closing.outcome,
              ':finishedAt': closing.finishedAt,
              ':summary': closing.summary,
              ':error': closing.error,
              ':details': closing.details,
              ':running': 'running',
            },
          },
        },
        { Delete: { TableName: this.tableName, Key: runningKey(runId) } },
      ]);
      if (!reasons) return true;
      if (reasons[0] === CCF || reasons.length === 0) {
        if (!(await this.get(runKey(runId)))) throw unknownRun(runId);
        return false;
      }
      throw this.cancelled(reasons);
    });
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    return this.exec('getRun', async () => {
      const item = await this.get(runKey(runId));
      return item ? toRun(item) : null;
    });
  }

  async listRuns(options: { limit?: number; kind?: RunKind } = {}): Promise<RunRecord[]> {
    return this.exec('listRuns', async () => {
      const { limit, kind } = options;
      checkLimit(limit);
      const filter =
        kind === undefined
          ? {}
          : { FilterExpression: '#kind = :kind', ExpressionAttributeNames: { '#kind': 'kind' }, ExpressionAttributeValues: { ':kind': kind } };
      const items = await this.listThroughIndex(RUNS, limit, filter, (id) => runKey(id));
      return items.map(toRun);
    });
  }

  async listRunning(): Promise<RunRecord[]> {
    return this.exec('listRunning', async () => {
      const index = await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': RUNNING } });
      const runs = await this.batchGet(index.map((i) => runKey(i.id as string)));
      // The run item has the last word (the index entry goes in the same transaction as the finish).
      return runs
        .filter((r) => r.outcome === 'running')
        .sort((a, b) => compareDesc(a.startedAt as string, b.startedAt as string) || compareDesc(a.id as string, b.id as string))
        .map(toRun);
    });
  }

  async listInstanceResults(runId: string): Promise<InstanceResult[]> {
    return this.exec('listInstanceResults', async () => {
      const items = await this.queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': runKey(runId).pk, ':prefix': 'RESULT#' },
      });
      return items
        .sort((a, b) => (a.seq as number) - (b.seq as number))
        .map((i) => decodeResult(i.result as string));
    });
  }

  async observeFinding(observation: FindingObservation): Promise<Finding> {
    return this.exec('observeFinding', async () => {
      const when = iso(observation.at, 'at');
      const detail = JSON.stringify(observation.detail);
      for (let attempt = 0; attempt < OBSERVE_ATTEMPTS; attempt++) {
        const guard = await this.get(guardKey(observation.key));
        if (guard) {
          // Refresh the open finding; should it have been resolved since we looked, look again.
          const refreshed = await this.updateIf(
            findingKey(guard.findingId as string),
            'SET #lastSeenAt = :at, #detail = :detail, #kind = :kind, #subject = :subject',
            '#status = :open',
            { '#lastSeenAt': 'lastSeenAt', '#detail': 'detail', '#kind': 'kind', '#subject': 'subject', '#status': 'status' },
            { ':at': when, ':detail': detail, ':kind': observation.kind, ':subject': observation.subject, ':open': 'open' },
          );
          if (refreshed) return toFinding(refreshed);
          continue;
        }
        const item: Item = {
          ...findingKey(observation.newId),
          id: observation.newId,
          key: observation.key,
          kind: observation.kind,
          subject: observation.subject,
          status: 'open',
          openedAt: when,
          lastSeenAt: when,
          resolvedAt: null,
          detail,
          notifiedAt: null,
          resolvedNotifiedAt: null,
        };
        // The guard's condition is what keeps a concurrent observer from opening a second one.
        const reasons = await this.transact([
          { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...guardKey(observation.key), key: observation.key, findingId: observation.newId },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Put: { TableName: this.tableName, Item: { ...findingListingKey(when, observation.newId), id: observation.newId, status: 'open' } } },
        ]);
        if (!reasons) return toFinding(item);
        // Another writer opened one for the key: its finding is the open one (refreshed next round).
        if (reasons[1] === CCF) continue;
        if (reasons[0] === CCF) throw findingExists(observation.newId);
        if (reasons.length > 0) throw this.cancelled(reasons);
        if (await this.get(findingKey(observation.newId))) throw findingExists(observation.newId);
      }
      throw new StoreRefusal(`could not open or refresh a finding for key '${observation.key}' (too much contention)`);
    });
  }

  async resolveFinding(id: string, at: Date): Promise<boolean> {
    return this.exec('resolveFinding', async () => {
      const when = iso(at, 'at');
      const finding = await this.get(findingKey(id));
      if (!finding) throw unknownFinding(id);
      if (finding.status !== 'open') return false;
      const reasons = await this.transact([
        {
          Update: {
            TableName: this.tableName,
            Key: findingKey(id),
            UpdateExpression: 'SET #status = :resolved, #resolvedAt = :at',
            ConditionExpression: '#status = :open',
            ExpressionAttributeNames: { '#status': 'status', '#resolvedAt': 'resolvedAt' },
            ExpressionAttributeValues: { ':resolved': 'resolved', ':at': when, ':open': 'open' },
          },
        },
        {
          // The guard of an open finding is its own; the condition only keeps a foreign one safe.
          Delete: {
            TableName: this.tableName,
            Key: guardKey(finding.key as string),
            ConditionExpression: 'attribute_not_exists(pk) OR #findingId = :id',
            ExpressionAttributeNames: { '#findingId': 'findingId' },
            ExpressionAttributeValues: { ':id': id },
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: findingListingKey(finding.openedAt as string, id),
            UpdateExpression: 'SET #status = :resolved, #id = :id',
            ExpressionAttributeNames: { '#status': 'status', '#id': 'id' },
            ExpressionAttributeValues: { ':resolved': 'resolved', ':id': id },
          },
        },
      ]);
      if (!reasons) return true;
      if (reasons[0] === CCF) return false;
      throw this.cancelled(reasons);
    });
  }

  async markFindingNotified(id: string, which: 'open' | 'resolved', at: Date): Promise<void> {
    await this.exec('markFindingNotified', async () => {
      const when = iso(at, 'at');
      const field = which === 'open' ? 'notifiedAt' : 'resolvedNotifiedAt';
      const updated = await this.updateExisting(findingKey(id), 'SET #field = :at', { '#field': field }, { ':at': when });
      if (!updated) throw unknownFinding(id);
    });
  }

  async getFinding(id: string): Promise<Finding | null> {
    return this.exec('getFinding', async () => {
      const item = await this.get(findingKey(id));
      return item ? toFinding(item) : null;
    });
  }

  async listFindings(options: { status?: 'open' | 'resolved'; limit?: number } = {}): Promise<Finding[]> {
    return this.exec('listFindings', async () => {
      const { status, limit } = options;
      checkLimit(limit);
      const filter =
        status === undefined
          ? {}
          : { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':status': status } };
      const items = await this.listThroughIndex(FINDINGS, limit, filter, (id) => findingKey(id));
      return items.map(toFinding);
    });
  }

  async listMemberStates(): Promise<MemberStateSummary[]> {
    return this.exec('listMemberStates', async () =>
      (await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': MEMBERS } })).map(toMemberSummary),
    );
  }

  async getMemberState(key: string): Promise<MemberState | null> {
    return this.exec('getMemberState', async () => {
      const [summary, snapshots] = await Promise.all([this.get(memberSummaryKey(key)), this.get(memberSnapshotsKey(key))]);
      if (!summary) return null;
      return { ...toMemberSummary(summary), ...(snapshots ? decodeLedgerBody(snapshots.snapshots as string) : { snapshots: [], lost: [], firstSeenAt: null, steps: [] }) };
    });
  }

  async putMemberState(state: MemberState): Promise<void> {
    return this.exec('putMemberState', async () => {
      checkMemberState(state);
      // Snapshots first: should the second write not happen, the old summary keeps the member
      // due (its dueAt had passed), and the next pass redoes its work from AWS's answers.
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: { ...memberSnapshotsKey(state.key), snapshots: encodeLedgerBody(state) } }),
      );
      // The member key is the sort key: not stored again as an attribute.
      const { key: _key, ...summary } = encodeMemberSummary(state);
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...memberSummaryKey(state.key), ...summary } }));
    });
  }

  async acknowledgeFinding(id: string, ack: Acknowledgement | null): Promise<boolean> {
    return this.exec('acknowledgeFinding', async () => {
      const value = encodeAcknowledgement(ack);
      const updated = await this.updateIf(
        findingKey(id),
        'SET #ack = :ack',
        'attribute_exists(pk) AND #status = :open',
        { '#ack': 'acknowledged', '#status': 'status' },
        { ':ack': value, ':open': 'open' },
      );
      if (updated) return true;
      if (!(await this.get(findingKey(id)))) throw unknownFinding(id);
      return false;
    });
  }

  async leaseHolder(name: string, at: Date): Promise<string | null> {
    return this.exec('leaseHolder', async () => {
      const now = iso(at, 'at');
      const item = await this.get(leaseKey(name));
      return item && (item.leaseUntil as string) > now ? (item.owner as string) : null;
    });
  }

  async acquireLease(name: string, owner: string, ttlMs: number, at: Date, replacing?: string): Promise<boolean> {
    return this.exec('acquireLease', async () => {
      const now = iso(at, 'at');
      checkTtl(ttlMs);
      const end = new Date(at.getTime() + ttlMs);
      const until = iso(end, 'lease end');
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...leaseKey(name), name, owner, leaseUntil: until, expiresAt: Math.ceil(end.getTime() / 1000) },
            // Free, expired (the end is exclusive), ours already (renewal), or a dead holder's.
            ConditionExpression: 'attribute_not_exists(pk) OR #leaseUntil <= :now OR #owner = :owner OR #owner = :replacing',
            ExpressionAttributeNames: { '#leaseUntil': 'leaseUntil', '#owner': 'owner' },
            // An empty owner is never stored, so '' replaces nobody.
            ExpressionAttributeValues: { ':now': now, ':owner': owner, ':replacing': replacing ?? '' },
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailed(err)) return false;
        throw err;
      }
    });
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.exec('releaseLease', async () => {
      try {
        await this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: leaseKey(name),
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': owner },
          }),
        );
      } catch (err) {
        // Not ours (or not there): nothing to release.
        if (!isConditionFailed(err)) throw err;
      }
    });
  }

  async putCompliance(entries: readonly ComplianceDay[]): Promise<void> {
    await this.exec('putCompliance', async () => {
      const records = entries.map(encodeCompliance); // all validated before any is written
      // TTL does the pruning: a day expires as the first day that no longer keeps it begins.
      const items = records.map((r) => ({
        ...historyKey(r.day, r.instanceId),
        ...r,
        expiresAt: Math.floor(Date.parse(`${addDays(r.day, COMPLIANCE_RETENTION_DAYS)}T00:00:00Z`) / 1000),
      }));
      for (let i = 0; i < items.length; i += BATCH_WRITE_MAX) await this.batchPut(items.slice(i, i + BATCH_WRITE_MAX));
    });
  }

  async listCompliance(range: { readonly from: string; readonly to: string }): Promise<ComplianceDay[]> {
    return this.exec('listCompliance', async () => {
      const kept = keptRange(range);
      if (!kept) return [];
      const days: string[] = [];
      for (let d = kept.from; d <= kept.to; d = addDays(d, 1)) days.push(d);
      const found: ComplianceDay[] = [];
      // A day is one partition: a few days at a time keeps the reads parallel but polite.
      for (let i = 0; i < days.length; i += 8) {
        const pages = await Promise.all(
          days.slice(i, i + 8).map((day) => this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': historyKey(day, '').pk } })),
        );
        for (const items of pages) found.push(...items.map((item) => decodeCompliance(item as unknown as ComplianceRecord)));
      }
      return found.sort(byDayThenInstance);
    });
  }

  /** One BatchWriteItem of puts; what DynamoDB leaves unprocessed (throttling) is sent again. */
  private async batchPut(items: Item[]): Promise<void> {
    let pending: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string] = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > BATCH_WRITE_ATTEMPTS) throw new StoreRefusal(`${pending.length} compliance entries left unprocessed after ${BATCH_WRITE_ATTEMPTS} attempts`);
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      pending = out.UnprocessedItems?.[this.tableName] ?? [];
    }
  }

  /** Marks the store closed; the injected client stays open (its owner destroys it). */
  // Drills live in their own class (dynamodb-drill-store.ts), on the same table; the store hands the calls on.
  private drillStore?: DynamoDbDrillStore;
  private get drills(): DynamoDbDrillStore {
    return (this.drillStore ??= new DynamoDbDrillStore(this.client, this.tableName, (what, fn) => this.exec(what, fn)));
  }
  createDrill: StateStore['createDrill'] = (d) => this.drills.createDrill(d);
  putDrill: StateStore['putDrill'] = (d) => this.drills.putDrill(d);
  getDrill: StateStore['getDrill'] = (id) => this.drills.getDrill(id);
  listDrills: StateStore['listDrills'] = (o) => this.drills.listDrills(o);
  firstSightings: StateStore['firstSightings'] = (ids, at) => this.drills.firstSightings(ids, at);

  async close(): Promise<void> {
    this.closed = true;
  }

  // --- helpers -------------------------------------------------------------------------------

  private runExpiry(startedAt: Date): number {
    return Math.floor(startedAt.getTime() / 1000) + this.runTtlSeconds;
  }

  private async get(key: Key): Promise<Item | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return out.Item;
  }

  /** Updates an existing item (never creates one); undefined when there is none. */
  private async updateExisting(
    key: Key,
    update: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<Item | undefined> {
    return this.updateIf(key, update, 'attribute_exists(pk)', names, values);
  }

  /** A conditional update returning the new item, or undefined when the condition failed. */
  private async updateIf(
    key: Key,
    update: string,
    condition: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<Item | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ?? {};
    } catch (err) {
      if (isConditionFailed(err)) return undefined;
      throw err;
    }
  }

  /**
   * Writes the items all or nothing. Null when written; otherwise the cancellation reason codes,
   * one per item ('None' for the items that were fine; empty when the service gave none).
   * Transactions that only collided with another one are tried again.
   */
  private async transact(items: TransactItem[]): Promise<string[] | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        return null;
      } catch (err) {
        const name = errorName(err);
        let transient = name === 'TransactionConflictException' || name === 'TransactionInProgressException';
        let reasons: string[] = [];
        if (name === 'TransactionCanceledException') {
          const list = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
          reasons = list.map((r) => r.Code ?? 'None');
          transient = !reasons.includes(CCF) && reasons.some((r) => TRANSIENT_REASONS.has(r));
          if (!transient) return reasons;
        }
        if (!transient || attempt >= TRANSACT_ATTEMPTS) throw err;
        await sleep(Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  /** Every item of one query, all pages, strongly consistent. */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ ...input, TableName: this.tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /**
   * Walks a listing partition newest first (optionally filtered on the listing entries), fetching
   * the items the entries name, until `limit` items are found or the partition ends. An entry
   * whose item is gone (TTL deletes them one by one) is skipped.
   */
  private async listThroughIndex(
    partition: string,
    limit: number | undefined,
    filter: Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>,
    keyOf: (id: string) => Key,
  ): Promise<Item[]> {
    const found: Item[] = [];
    if (limit === 0) return found;
    let start: Record<string, unknown> | undefined;
    do {
      const remaining = limit === undefined ? undefined : limit - found.length;
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ...filter,
          ExpressionAttributeValues: { ...filter.ExpressionAttributeValues, ':pk': partition },
          ScanIndexForward: false,
          ConsistentRead: true,
          // Unfiltered, read no more entries than wanted; filtered, read whole pages.
          ...(remaining !== undefined && filter.FilterExpression === undefined ? { Limit: remaining } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const ids = (page.Items ?? []).map((i) => i.id as string);
      const byId = new Map((await this.batchGet(ids.map(keyOf))).map((i) => [i.id as string, i]));
      for (const id of ids) {
        const item = byId.get(id);
        if (!item) continue;
        found.push(item);
        if (limit !== undefined && found.length >= limit) return found;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  /** The items that exist of `keys` (any order), strongly consistent, unprocessed keys retried. */
  private async batchGet(keys: Key[]): Promise<Item[]> {
    const unique = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, k])).values()];
    const items: Item[] = [];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      let pending: Record<string, unknown>[] = unique.slice(i, i + BATCH_GET_MAX);
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > 10) throw new StoreRefusal('batch read kept leaving keys unprocessed (throttled)');
        if (attempt > 1) await sleep(Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random()));
        const out = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        items.push(...(out.Responses?.[this.tableName] ?? []));
        pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return items;
  }

  /** Runs one operation, turning whatever it throws into a STATE_STORE_ERROR naming the table. */
  private async exec<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw storeError(this.store, 'the store is closed');
    try {
      return await fn();
    } catch (err) {
      throw storeFailure(this.store, what, err, classify);
    }
  }

  private cancelled(reasons: string[]): StoreRefusal {
    return new StoreRefusal(`transaction cancelled: ${reasons.join(', ')}`);
  }
}

function errorName(err: unknown): string | undefined {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

function isConditionFailed(err: unknown): boolean {
  return errorName(err) === 'ConditionalCheckFailedException';
}

const identity = (table: string): StoreIdentity => ({ where: `dynamodb:${table}`, context: { table } });

/** DynamoDB's failures: throttling, conflicts and service hiccups clear up on their own. */
function classify(err: unknown): FailureClass {
  const name = errorName(err);
  const sdkRetryable = Boolean((err as { $retryable?: unknown } | null)?.$retryable);
  return { retryable: sdkRetryable || (name !== undefined && RETRYABLE_ERRORS.has(name)), context: name ? { awsError: name } : {} };
}

/** Descending by code unit; listing keys (ISO time, then id) sort the same way in DynamoDB. */
function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const toRun = (item: Item): RunRecord => decodeRun(item as unknown as StoredRun);
const toFinding = (item: Item): Finding => decodeFinding(item as unknown as StoredFinding);
/** The member key is the item's sort key. */
const toMemberSummary = (item: Item): MemberStateSummary => decodeMemberSummary({ ...(item as unknown as StoredMemberSummary), key: item.sk as string });
