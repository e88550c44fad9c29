import { takeAdhocBackup } from '../src/app/backup';
import { withRun } from '../src/app/with-run';
import { DEFAULT_ADHOC } from '../src/domain/config';
import { toErrorInfo } from '../src/domain/errors';
import { lambdaApp } from './lib/bootstrap';
import { InvocationContext } from './lib/context';
import { backupRequestedEvent, parseEvent } from './lib/events';

/**
 * `Backup Requested` (source `snapward.operator`): an ad hoc snapshot of one fleet instance. The
 * idempotency key decides the snapshot id, so the same request twice makes one snapshot. At most
 * `adhoc.maxPerInstancePerDay` (default 4) new snapshots per instance in 24 hours: more is a
 * failed run with code ADHOC_LIMIT (a repeat of a served key does not count).
 * A malformed event is rejected before anything is touched and recorded as a failed run; it is
 * not thrown, because retrying a malformed event can never succeed.
 */
export async function handler(event: unknown, _context?: InvocationContext) {
  const { app } = await lambdaApp('adhoc-backup');
  let request;
  try {
    request = parseEvent(backupRequestedEvent, event, 'Backup Requested');
  } catch (err) {
    const error = toErrorInfo(err, 'validate');
    const runId = await withRun(app.deps, { kind: 'backup', trigger: 'event' }, async (run) => ({ value: run.id, outcome: 'failed', error, details: { rejectedEvent: event } }));
    app.deps.logger.error({ runId, error }, 'rejected a malformed Backup Requested event');
    return { ok: false, runId, error };
  }
  const { instanceId, reason, requestedBy, idempotencyKey } = request.detail;
  try {
    // Requests by event are limited per instance and day (the CLI's `backup` is not).
    const maxPerInstancePerDay = (app.deps.config.adhoc ?? DEFAULT_ADHOC).maxPerInstancePerDay;
    const report = await takeAdhocBackup(app.deps, { instanceId, reason, requestedBy, idempotencyKey, trigger: 'event', maxPerInstancePerDay });
    if (report.result.errors.some((e) => e.code === 'ADHOC_LIMIT')) app.deps.logger.warn({ runId: report.runId, instanceId, idempotencyKey }, 'ad hoc backup refused: daily limit reached');
    return { ok: report.result.status === 'ok', runId: report.runId, snapshotId: report.snapshot?.id ?? null, duplicate: report.adopted, errors: report.result.errors };
  } catch (err) {
    // Not in the fleet (USAGE): nothing was touched; say so without a retry storm.
    const error = toErrorInfo(err, 'backup');
    if (error.code !== 'USAGE') throw err;
    app.deps.logger.error({ error, instanceId }, 'Backup Requested for an instance outside the fleet');
    return { ok: false, runId: null, error };
  }
}
