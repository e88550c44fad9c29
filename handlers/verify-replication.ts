import { z } from 'zod';
import { verifyReplication } from '../src/app/verify-replication';
import { lambdaApp } from './lib/bootstrap';
import { InvocationContext } from './lib/context';
import { parseEvent } from './lib/events';

/**
 * The S3 replication check (EventBridge Scheduler, hourly). The schedule's input picks the mode:
 * `{ "mode": "sample" }` (default: HeadObject on a sample weighted to the newest) or
 * `{ "mode": "full" }` (stream and merge both listings), optionally `name` and `sampleSize`.
 */
const verifyEvent = z
  .object({
    mode: z.enum(['full', 'sample'], { message: 'expected "full" or "sample"' }).default('sample'),
    name: z.string().min(1).optional(),
    sampleSize: z.number().int().min(1).max(10_000).optional(),
  })
  .passthrough();

export async function handler(event: unknown, _context?: InvocationContext) {
  const input = parseEvent(verifyEvent, event ?? {}, 'verify-replication');
  const { app } = await lambdaApp('verify-replication');
  const report = await verifyReplication(app.deps, {
    trigger: 'schedule',
    mode: input.mode,
    ...(input.name ? { name: input.name } : {}),
    ...(input.sampleSize ? { sampleSize: input.sampleSize } : {}),
  });
  return { runId: report.runId, outcome: report.outcome, pairs: report.pairs.map((p) => ({ name: p.name, ok: p.ok })) };
}
