import { SnapwardError } from '../../domain/errors';
import { MemberState, MemberStateSummary } from '../../domain/ledger';
import { ComplianceDay, oldestKeptDay } from '../../domain/history';
import { byDayThenInstance, ComplianceRecord, decodeCompliance, encodeCompliance, keptRange } from './compliance-codec';
import { checkMemberState, decodeLedgerBody, decodeRefs, encodeLedgerBody, encodeRefs } from './member-state-codec';
import {
  Acknowledgement,
  Finding,
  FindingObservation,
  FinishRun,
  InstanceResult,
  NewRun,
  RunKind,
  RunRecord,
  StateStore,
} from '../../ports/state-store';

interface StoredRun {
  run: RunRecord;
  /** Keyed by instance id; a Map keeps insertion order, and `set` on an existing key keeps its slot. */
  results: Map<string, InstanceResult>;
}

/**
 * A state store in process memory, for tests and dry use. It follows the same contract as the
 * durable drivers, including copying everything that goes in or out: a caller that mutates a
 * returned record (or an argument after the call) must not change what the store holds, or tests
 * would pass here and fail against SQLite.
 */
export class MemoryStateStore implements StateStore {
  private readonly runs = new Map<string, StoredRun>();
  /** Keyed by finding id. */
  private readonly findings = new Map<string, Finding>();
  /** Keyed by lease name: who holds it and until when (epoch ms, exclusive). */
  private readonly leases = new Map<string, { owner: string; until: number }>();
  /** Keyed by member key; stored encoded, as the durable drivers do. */
  private readonly members = new Map<string, { dueAt: number; auditedAt: number | null; policy: string; pending: string; snapshots: string; updatedAt: number }>();
  /** Compliance history keyed by `day|instanceId`, stored encoded as the durable drivers do. */
  private readonly history = new Map<string, ComplianceRecord>();
  private closed = false;

  async startRun(run: NewRun): Promise<void> {
    this.ensureOpen();
    checkDate(run.startedAt, 'startedAt');
    if (this.runs.has(run.id)) throw storeError(`run '${run.id}' already exists`);
    const startedAt = new Date(run.startedAt.getTime());
    this.runs.set(run.id, {
      run: {
        id: run.id,
        kind: run.kind,
        trigger: run.trigger,
        startedAt,
        finishedAt: null,
        outcome: 'running',
        owner: { host: run.owner.host, pid: run.owner.pid },
        heartbeatAt: new Date(startedAt.getTime()),
        summary: null,
        error: null,
        details: null,
      },
      results: new Map(),
    });
  }

  async recordInstance(runId: string, result: InstanceResult, at: Date): Promise<void> {
    this.ensureOpen();
    checkDate(at, 'at');
    const stored = this.mustGet(runId);
    stored.results.set(result.instanceId, jsonCopy(result));
    stored.run = { ...stored.run, heartbeatAt: new Date(at.getTime()) };
  }

  async heartbeat(runId: string, at: Date): Promise<void> {
    this.ensureOpen();
    checkDate(at, 'at');
    const stored = this.mustGet(runId);
    stored.run = { ...stored.run, heartbeatAt: new Date(at.getTime()) };
  }

  async finishRun(runId: string, finish: FinishRun): Promise<boolean> {
    this.ensureOpen();
    checkDate(finish.finishedAt, 'finishedAt');
    const stored = this.mustGet(runId);
    if (stored.run.outcome !== 'running') return false;
    stored.run = {
      ...stored.run,
      outcome: finish.outcome,
      finishedAt: new Date(finish.finishedAt.getTime()),
      summary: jsonCopy(finish.summary),
      error: jsonCopy(finish.error),
      details: jsonCopy(finish.details ?? null),
    };
    return true;
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    this.ensureOpen();
    const stored = this.runs.get(runId);
    return stored ? copyRun(stored.run) : null;
  }

  async listRuns(options: { limit?: number; kind?: RunKind } = {}): Promise<RunRecord[]> {
    this.ensureOpen();
    const { limit, kind } = options;
    checkLimit(limit);
    const runs = this.sorted().filter((r) => kind === undefined || r.kind === kind);
    return (limit === undefined ? runs : runs.slice(0, limit)).map(copyRun);
  }

  async listRunning(): Promise<RunRecord[]> {
    this.ensureOpen();
    return this.sorted()
      .filter((r) => r.outcome === 'running')
      .map(copyRun);
  }

  async listInstanceResults(runId: string): Promise<InstanceResult[]> {
    this.ensureOpen();
    const stored = this.runs.get(runId);
    return stored ? [...stored.results.values()].map(jsonCopy) : [];
  }

  async observeFinding(observation: FindingObservation): Promise<Finding> {
    this.ensureOpen();
    checkDate(observation.at, 'at');
    const open = [...this.findings.values()].find((f) => f.key === observation.key && f.status === 'open');
    if (open) {
      const refreshed: Finding = {
        ...open,
        kind: observation.kind,
        subject: observation.subject,
        lastSeenAt: new Date(observation.at.getTime()),
        detail: jsonCopy(observation.detail),
      };
      this.findings.set(open.id, refreshed);
      return copyFinding(refreshed);
    }
    if (this.findings.has(observation.newId)) throw storeError(`finding '${observation.newId}' already exists`);
    const opened: Finding = {
      id: observation.newId,
      key: observation.key,
      kind: observation.kind,
      subject: observation.subject,
      status: 'open',
      openedAt: new Date(observation.at.getTime()),
      lastSeenAt: new Date(observation.at.getTime()),
      resolvedAt: null,
      detail: jsonCopy(observation.detail),
      notifiedAt: null,
      resolvedNotifiedAt: null,
      acknowledged: null,
    };
    this.findings.set(opened.id, opened);
    return copyFinding(opened);
  }

  async resolveFinding(id: string, at: Date): Promise<boolean> {
    this.ensureOpen();
    checkDate(at, 'at');
    const finding = this.mustGetFinding(id);
    if (finding.status !== 'open') return false;
    this.findings.set(id, { ...finding, status: 'resolved', resolvedAt: new Date(at.getTime()) });
    return true;
  }

  async markFindingNotified(id: string, which: 'open' | 'resolved', at: Date): Promise<void> {
    this.ensureOpen();
    checkDate(at, 'at');
    const finding = this.mustGetFinding(id);
    const when = new Date(at.getTime());
    this.findings.set(id, which === 'open' ? { ...finding, notifiedAt: when } : { ...finding, resolvedNotifiedAt: when });
  }

  async getFinding(id: string): Promise<Finding | null> {
    this.ensureOpen();
    const finding = this.findings.get(id);
    return finding ? copyFinding(finding) : null;
  }

  async listFindings(options: { status?: 'open' | 'resolved'; limit?: number } = {}): Promise<Finding[]> {
    this.ensureOpen();
    const { status, limit } = options;
    checkLimit(limit);
    const findings = [...this.findings.values()]
      .filter((f) => status === undefined || f.status === status)
      .sort((a, b) => b.openedAt.getTime() - a.openedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return (limit === undefined ? findings : findings.slice(0, limit)).map(copyFinding);
  }

  async acknowledgeFinding(id: string, ack: Acknowledgement | null): Promise<boolean> {
    this.ensureOpen();
    if (ack) checkDate(ack.until, 'until');
    const finding = this.mustGetFinding(id);
    if (finding.status !== 'open') return false;
    this.findings.set(id, { ...finding, acknowledged: ack ? { ...jsonCopy({ by: ack.by, reason: ack.reason }), until: new Date(ack.until.getTime()) } : null });
    return true;
  }

  async leaseHolder(name: string, at: Date): Promise<string | null> {
    this.ensureOpen();
    checkDate(at, 'at');
    const held = this.leases.get(name);
    return held && held.until > at.getTime() ? held.owner : null;
  }

  async acquireLease(name: string, owner: string, ttlMs: number, at: Date, replacing?: string): Promise<boolean> {
    this.ensureOpen();
    checkDate(at, 'at');
    checkTtl(ttlMs);
    checkDate(new Date(at.getTime() + ttlMs), 'lease end');
    const held = this.leases.get(name);
    // Expired once `at` reaches the end of the lease: the same rule as the durable drivers.
    if (held && held.owner !== owner && held.owner !== replacing && held.until > at.getTime()) return false;
    this.leases.set(name, { owner, until: at.getTime() + ttlMs });
    return true;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.ensureOpen();
    if (this.leases.get(name)?.owner === owner) this.leases.delete(name);
  }

  async listMemberStates(): Promise<MemberStateSummary[]> {
    this.ensureOpen();
    return [...this.members.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, m]) => ({
        key,
        dueAt: new Date(m.dueAt),
        auditedAt: m.auditedAt === null ? null : new Date(m.auditedAt),
        policy: m.policy,
        pending: decodeRefs(m.pending),
        updatedAt: new Date(m.updatedAt),
      }));
  }

  async getMemberState(key: string): Promise<MemberState | null> {
    this.ensureOpen();
    const m = this.members.get(key);
    if (!m) return null;
    return {
      key,
      dueAt: new Date(m.dueAt),
      auditedAt: m.auditedAt === null ? null : new Date(m.auditedAt),
      policy: m.policy,
      pending: decodeRefs(m.pending),
      ...decodeLedgerBody(m.snapshots),
      updatedAt: new Date(m.updatedAt),
    };
  }

  async putMemberState(state: MemberState): Promise<void> {
    this.ensureOpen();
    try {
      checkMemberState(state);
    } catch (err) {
      throw storeError((err as Error).message);
    }
    this.members.set(state.key, {
      dueAt: state.dueAt.getTime(),
      auditedAt: state.auditedAt ? state.auditedAt.getTime() : null,
      policy: state.policy,
      pending: encodeRefs(state.pending),
      snapshots: encodeLedgerBody(state),
      updatedAt: state.updatedAt.getTime(),
    });
  }

  async putCompliance(entries: readonly ComplianceDay[]): Promise<void> {
    this.ensureOpen();
    const records = entries.map(encodeCompliance); // all validated before any is stored
    for (const r of records) this.history.set(`${r.day}|${r.instanceId}`, { ...r });
    const newest = records.reduce<string | null>((m, r) => (m === null || r.day > m ? r.day : m), null);
    if (newest === null) return;
    const oldest = oldestKeptDay(newest);
    for (const [key, r] of this.history) if (r.day < oldest) this.history.delete(key);
  }

  async listCompliance(range: { readonly from: string; readonly to: string }): Promise<ComplianceDay[]> {
    this.ensureOpen();
    const kept = keptRange(range);
    if (!kept) return [];
    return [...this.history.values()]
      .filter((r) => r.day >= kept.from && r.day <= kept.to)
      .map(decodeCompliance)
      .sort(byDayThenInstance);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Newest first, ties by id descending: the same order the SQLite driver's ORDER BY gives. */
  private sorted(): RunRecord[] {
    return [...this.runs.values()]
      .map((s) => s.run)
      .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  private mustGet(runId: string): StoredRun {
    const stored = this.runs.get(runId);
    if (!stored) throw storeError(`run '${runId}' does not exist`);
    return stored;
  }

  private mustGetFinding(id: string): Finding {
    const finding = this.findings.get(id);
    if (!finding) throw storeError(`finding '${id}' does not exist`);
    return finding;
  }

  private ensureOpen(): void {
    if (this.closed) throw storeError('the store is closed');
  }
}

function storeError(message: string): SnapwardError {
  return new SnapwardError('STATE_STORE_ERROR', `memory state store: ${message}`);
}

/** An invalid Date would be stored happily here but not by SQLite (no ISO form): reject it alike. */
function checkDate(value: Date, field: string): void {
  if (Number.isNaN(value.getTime())) throw storeError(`${field} is not a valid date`);
}

/**
 * Documents go through JSON, exactly as the durable drivers store them, so a value that would not
 * survive SQLite (undefined fields, class instances) does not survive here either. Not
 * structuredClone: under jest it returns objects of another realm, whose Dates fail `instanceof`.
 */
function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function copyRun(run: RunRecord): RunRecord {
  return {
    ...run,
    startedAt: new Date(run.startedAt.getTime()),
    finishedAt: run.finishedAt === null ? null : new Date(run.finishedAt.getTime()),
    heartbeatAt: new Date(run.heartbeatAt.getTime()),
    owner: { ...run.owner },
    summary: jsonCopy(run.summary),
    error: jsonCopy(run.error),
    details: jsonCopy(run.details),
  };
}

function copyFinding(finding: Finding): Finding {
  const copyDate = (d: Date | null): Date | null => (d === null ? null : new Date(d.getTime()));
  return {
    ...finding,
    openedAt: new Date(finding.openedAt.getTime()),
    lastSeenAt: new Date(finding.lastSeenAt.getTime()),
    resolvedAt: copyDate(finding.resolvedAt),
    notifiedAt: copyDate(finding.notifiedAt),
    resolvedNotifiedAt: copyDate(finding.resolvedNotifiedAt),
    detail: jsonCopy(finding.detail),
    acknowledged: finding.acknowledged ? { ...finding.acknowledged, until: new Date(finding.acknowledged.until.getTime()) } : null,
  };
}

/** A lease must last a while: a positive number of milliseconds that still gives a valid date. */
function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw storeError(`lease ttlMs must be a positive number, got ${ttlMs}`);
}

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw storeError(`limit must be a non-negative integer, got ${limit}`);
  }
}
