import { z } from 'zod';
import { reconcile } from '../src/app/reconcile';
import { lambdaApp } from './lib/bootstrap';
import { deadlineSignal, InvocationContext, nearDeadline } from './lib/context';
import { parseEvent } from './lib/events';

/**
 * The scheduled fleet pass (EventBridge Scheduler, every 15 minutes). It works until the
 * remaining Lambda time drops below the safety margin, then takes no new instance; at half the
 * margin the AWS calls still in flight are aborted. The run is recorded as interrupted with how
 * far it got, and the next invocation carries on (instances already done are up to date in the
 * ledger and cost nothing). `{ "audit": true }` re-lists the whole fleet.
 */
const scheduledEvent = z.object({ dryRun: z.boolean().optional(), audit: z.boolean().optional() }).passthrough();

export async function handler(event: unknown, context: InvocationContext) {
  const input = parseEvent(scheduledEvent, event ?? {}, 'reconcile');
  const { app, env } = await lambdaApp();
  const margin = env.SNAPWARD_DEADLINE_MARGIN_MS;
  const deadline = deadlineSignal(context, margin / 2);
  app.clients.useSignal(deadline.signal);
  try {
    const report = await reconcile(app.deps, {
      trigger: 'schedule',
      dryRun: Boolean(input.dryRun),
      audit: Boolean(input.audit),
      shouldStop: nearDeadline(context, margin),
      stopReason: `less than ${margin} ms of Lambda time left`,
      signal: deadline.signal,
    });
    return { runId: report.runId, outcome: report.outcome, summary: report.summary, notReached: report.notReached.length };
  } finally {
    deadline.dispose();
    app.clients.useSignal(undefined);
  }
}
