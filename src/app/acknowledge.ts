import { SnapwardError } from '../domain/errors';
import { DAY } from '../domain/time';
import { Finding } from '../ports/state-store';
import { AppDeps } from './deps';

/** An acknowledgement pauses re-notification for at most this long: a problem is never silenced for good. */
export const MAX_ACK_MS = 90 * DAY;
export const DEFAULT_ACK_MS = 7 * DAY;

export interface AckRequest {
  readonly findingId: string;
  readonly by: string;
  readonly reason: string;
  /** When re-notification resumes; default now + 7 days, at most now + 90 days. */
  readonly until?: Date;
}

const usage = (field: string, value: unknown, expected: string): SnapwardError =>
  new SnapwardError('USAGE', `${field}: got ${JSON.stringify(value)}, expected ${expected}`);

/**
 * `snapward findings ack`: the finding stays open (and resolves by itself when healed), but its
 * event is not re-sent until `until`; the acknowledgement travels in every event of the finding.
 */
export async function acknowledgeFinding(deps: Pick<AppDeps, 'store' | 'clock'>, request: AckRequest): Promise<Finding> {
  const now = deps.clock.now();
  const reason = request.reason.trim();
  const by = request.by.trim();
  if (!reason) throw usage('--reason', request.reason, 'a few words on why (it goes into every event of the finding)');
  if (!by) throw usage('--by', request.by, 'who acknowledges it');
  const until = request.until ?? new Date(now.getTime() + DEFAULT_ACK_MS);
  if (until.getTime() <= now.getTime() || until.getTime() - now.getTime() > MAX_ACK_MS) {
    throw usage('--until', until.toISOString(), `a time after now and at most 90 days ahead (before ${new Date(now.getTime() + MAX_ACK_MS).toISOString()})`);
  }
  const finding = await openFinding(deps, request.findingId);
  await deps.store.acknowledgeFinding(finding.id, { by, reason, until });
  return (await deps.store.getFinding(finding.id)) as Finding;
}

/** `snapward findings unack`: re-notification resumes at the next check that is due to send it. */
export async function unacknowledgeFinding(deps: Pick<AppDeps, 'store'>, findingId: string): Promise<Finding> {
  const finding = await openFinding(deps, findingId);
  await deps.store.acknowledgeFinding(finding.id, null);
  return (await deps.store.getFinding(finding.id)) as Finding;
}

async function openFinding(deps: Pick<AppDeps, 'store'>, findingId: string): Promise<Finding> {
  const finding = await deps.store.getFinding(findingId);
  if (!finding) throw usage('findingId', findingId, 'the id of an open finding (see snapward findings)');
  if (finding.status !== 'open') throw usage('findingId', findingId, `an open finding; this one was resolved at ${finding.resolvedAt?.toISOString() ?? '?'}`);
  return finding;
}

/** The acknowledgement as it stands at `now`: one whose `until` has passed has expired by itself. */
export function activeAck(f: Finding, now: Date): Finding['acknowledged'] {
  return f.acknowledged && f.acknowledged.until.getTime() > now.getTime() ? f.acknowledged : null;
}
