import { publishReport } from '../src/app/report/publish';
import { reportSink } from '../src/composition';
import { SnapwardError } from '../src/domain/errors';
import { lambdaApp } from './lib/bootstrap';
import { InvocationContext } from './lib/context';

/**
 * The daily DR report (EventBridge Scheduler, once a day): the dashboard as HTML, JSON and CSV
 * into the stack's report bucket (SNAPWARD_REPORT_BUCKET), dated and under latest/.
 */
export async function handler(_event: unknown, _context?: InvocationContext) {
  const { app, env } = await lambdaApp('report');
  const bucket = env.SNAPWARD_REPORT_BUCKET;
  if (!bucket) throw new SnapwardError('CONFIG_INVALID', 'invalid Lambda environment: SNAPWARD_REPORT_BUCKET: got undefined, expected the report bucket name');
  const published = await publishReport(app.deps, reportSink(app.clients, bucket, env.AWS_REGION), { source: `dynamodb:${env.SNAPWARD_STATE_TABLE}` });
  return { bucket, ...published, keys: published.keys.length };
}
