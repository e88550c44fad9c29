import { runCheck } from '../src/app/check';
import { checkMetrics } from '../src/app/metrics/check-metrics';
import { lookupNewestDrillRto } from '../src/app/report/rto';
import { writeEmf } from './lib/emf';
import { lambdaApp } from './lib/bootstrap';
import { deadlineSignal, InvocationContext } from './lib/context';

/**
 * The RPO / missed-snapshot watchdog (EventBridge Scheduler, every 5 minutes). Undelivered alerts
 * stay un-notified in the store and go out with the next check, so a bus outage is not an error here.
 */
export async function handler(_event: unknown, context?: InvocationContext) {
  const { app, env } = await lambdaApp('check');
  // Near the deadline the AWS reads in flight are aborted, so the check still records what it
  // saw (the instances it could not read stay unknown) before Lambda kills it.
  const deadline = context ? deadlineSignal(context, env.SNAPWARD_DEADLINE_MARGIN_MS / 2) : null;
  if (deadline) app.clients.useSignal(deadline.signal);
  let report: Awaited<ReturnType<typeof runCheck>>;
  try {
    report = await runCheck(app.deps, { trigger: 'schedule' });
  } finally {
    deadline?.dispose();
    app.clients.useSignal(undefined);
  }
  // CloudWatch metrics for the dashboard and the breach alarms (Embedded Metric Format on stdout).
  writeEmf(checkMetrics(report.at, report.status, report.open, await lookupNewestDrillRto(app.deps, report.status.instances)));
  return {
    runId: report.runId,
    open: report.open.length,
    opened: report.opened.length,
    resolved: report.resolved.length,
    events: report.events,
    compliant: report.status.instances.filter((i) => i.compliant).length,
    instances: report.status.instances.length,
    /** Instances that could not be observed (their findings were left as they were). */
    unobserved: new Set(report.unobserved.flatMap((u) => u.instances)).size,
  };
}
