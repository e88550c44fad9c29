import { reconcile } from '../src/app/reconcile';
import { lambdaApp } from './lib/bootstrap';
import { deadlineSignal, InvocationContext, nearDeadline } from './lib/context';
import { CoveredRegions, parseReconcileInvocation, ReconcileInvocation } from './lib/reconcile-invocation';

/**
 * The fleet pass. Two triggers:
 *
 * - EventBridge Scheduler, every 15 minutes: the whole fleet. `{ "audit": true }` re-lists it.
 * - RDS snapshot events (a snapshot of snapward's created, a cross-region copy finished or
 *   cancelled, a snapshot deleted; infra/constructs/snapshot-event-rules.ts): a targeted pass over
 *   the members with their primary or DR region where the event happened, so a freed copy slot is
 *   used within a minute instead of at the next schedule. Events are hints: a late or repeated one
 *   makes a cheap targeted pass at most (none when a pass that started after it already saw its
 *   regions), and a lost one is made up by the schedule, which stays the source of truth.
 *
 * The function has reserved concurrency 1: an event that arrives while a pass runs is throttled and
 * kept by Lambda's asynchronous queue (up to the function's maximum event age), then run.
 *
 * It works until the remaining Lambda time drops below the safety margin, then takes no new
 * instance; at half the margin the AWS calls still in flight are aborted. The run is recorded as
 * interrupted with how far it got, and the next invocation carries on.
 */
const covered = new CoveredRegions();

/** For tests: forget which passes this container has seen (a new container). */
export const forgetCoveredRegions = (): void => covered.clear();

const triggerOf = (i: ReconcileInvocation) => (i.kind === 'event' ? { eventId: i.eventId, snapshotId: i.snapshotId, regions: i.regions } : 'schedule');

export async function handler(event: unknown, context: InvocationContext) {
  // Validated before anything is built, read or touched.
  const invocation = parseReconcileInvocation(event);
  if (invocation.kind === 'event' && covered.covers(invocation.regions, invocation.at)) {
    const skipped = `a pass that started after ${invocation.eventId} of ${invocation.snapshotId} already saw ${invocation.regions.join(', ')}`;
    return { runId: null, outcome: 'skipped' as const, summary: null, notReached: 0, skipped, trigger: triggerOf(invocation) };
  }
  const { app, env } = await lambdaApp('reconcile');
  const margin = env.SNAPWARD_DEADLINE_MARGIN_MS;
  const deadline = deadlineSignal(context, margin / 2);
  app.clients.useSignal(deadline.signal);
  try {
    const report = await reconcile(app.deps, {
      trigger: invocation.kind,
      ...(invocation.kind === 'schedule' ? { dryRun: invocation.dryRun, audit: invocation.audit } : { regions: invocation.regions }),
      shouldStop: nearDeadline(context, margin),
      stopReason: `less than ${margin} ms of Lambda time left`,
      signal: deadline.signal,
    });
    // Only a pass that worked on every member it selected and read everything it needed covers later events.
    const sawAll = !report.dryRun && report.notReached.length === 0 && report.skipped.length === 0 && report.unobserved.length === 0 && (report.outcome === 'succeeded' || report.outcome === 'partial');
    if (sawAll) covered.note(invocation.kind === 'event' ? invocation.regions : null, report.startedAt);
    return {
      runId: report.runId,
      outcome: report.outcome,
      summary: report.summary,
      notReached: report.notReached.length,
      skipped: null,
      trigger: triggerOf(invocation),
    };
  } finally {
    deadline.dispose();
    app.clients.useSignal(undefined);
  }
}
