import { z } from 'zod';
import { reconcile } from '../src/app/reconcile';
import { lambdaApp } from './lib/bootstrap';
import { InvocationContext, nearDeadline } from './lib/context';
import { parseEvent } from './lib/events';

/**
 * The scheduled fleet pass (EventBridge Scheduler, every 15 minutes). It works until the
 * remaining Lambda time drops below the safety margin, then takes no new instance and records
 * the run as interrupted with how far it got; the next invocation carries on (instances already
 * done are up to date in the ledger and cost nothing). `{ "audit": true }` re-lists the whole fleet.
 */
const scheduledEvent = z.object({ dryRun: z.boolean().optional(), audit: z.boolean().optional() }).passthrough();

export async function handler(event: unknown, context: InvocationContext) {
  const input = parseEvent(scheduledEvent, event ?? {}, 'reconcile');
  const { app, env } = await lambdaApp();
  const report = await reconcile(app.deps, {
    trigger: 'schedule',
    dryRun: Boolean(input.dryRun),
    audit: Boolean(input.audit),
    shouldStop: nearDeadline(context, env.SNAPWARD_DEADLINE_MARGIN_MS),
    stopReason: `less than ${env.SNAPWARD_DEADLINE_MARGIN_MS} ms of Lambda time left`,
  });
  return { runId: report.runId, outcome: report.outcome, summary: report.summary, notReached: report.notReached.length };
}
