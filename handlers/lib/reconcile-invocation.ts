import { z } from 'zod';
import { REGION_PATTERN } from '../../config/schema';
import { arnRegion, isSnapwardSource, RDS_EVENT_SOURCE, SLOT_EVENT_IDS, SLOT_EVENTS, SNAPSHOT_EVENT_TYPES } from '../../src/domain/rds-events';
import { parseEvent } from './events';

/**
 * What the reconcile function was invoked with: its schedule (Scheduler's input, a plain JSON
 * object) or an RDS snapshot event (an EventBridge rule). Anything else that looks like an
 * EventBridge event (it has a `source`) is refused with every bad field named, before anything is
 * read or touched.
 */
export type ReconcileInvocation =
  | { readonly kind: 'schedule'; readonly dryRun: boolean; readonly audit: boolean }
  | {
      readonly kind: 'event';
      /** The regions the event concerns: where RDS raised it (and the region of its ARN). */
      readonly regions: readonly string[];
      readonly eventId: string;
      readonly snapshotId: string;
      /** When RDS raised it (`detail.Date`, else the envelope's `time`). */
      readonly at: Date;
    };

const scheduledInput = z.object({ dryRun: z.boolean().optional(), audit: z.boolean().optional() }).passthrough();

const isoTime = (what: string) => z.string({ error: `expected ${what} as an ISO 8601 time` }).refine((s) => !Number.isNaN(Date.parse(s)), `expected ${what} as an ISO 8601 time`);

const REGION_EXPECTED = 'expected the AWS region the event happened in, such as "us-west-2"';

export const snapshotEvent = z.object({
  source: z.literal(RDS_EVENT_SOURCE, { message: `expected "${RDS_EVENT_SOURCE}"` }),
  'detail-type': z.enum(SNAPSHOT_EVENT_TYPES, { message: `expected one of ${SNAPSHOT_EVENT_TYPES.map((t) => `"${t}"`).join(', ')}` }),
  region: z.string({ error: REGION_EXPECTED }).regex(REGION_PATTERN, REGION_EXPECTED),
  time: isoTime('the event time'),
  detail: z
    .object({
      EventID: z.string({ error: 'expected an RDS event id such as "RDS-EVENT-0060"' }).refine((id) => SLOT_EVENT_IDS.includes(id), `expected one of the events that move a copy slot: ${SLOT_EVENT_IDS.join(', ')}`),
      SourceIdentifier: z.string({ error: 'expected the snapshot\'s identifier' }).refine(isSnapwardSource, 'expected one of snapward\'s snapshots ("sw-..."); the rule should not send others'),
      SourceArn: z.string().optional(),
      Date: isoTime('the event date').optional(),
    })
    .passthrough(),
});

export function parseReconcileInvocation(event: unknown): ReconcileInvocation {
  const raw = event ?? {};
  if (!(raw && typeof raw === 'object' && 'source' in raw)) {
    const input = parseEvent(scheduledInput, raw, 'reconcile');
    return { kind: 'schedule', dryRun: Boolean(input.dryRun), audit: Boolean(input.audit) };
  }
  const e = parseEvent(snapshotEvent, raw, 'RDS snapshot');
  const expected = SLOT_EVENTS[e.detail.EventID]?.type;
  if (expected && expected !== e['detail-type']) {
    parseEvent(z.object({ 'detail-type': z.literal(expected, { message: `expected "${expected}" for ${e.detail.EventID}` }) }), raw, 'RDS snapshot');
  }
  const regions = [...new Set([e.region, arnRegion(e.detail.SourceArn)].filter((r): r is string => Boolean(r && REGION_PATTERN.test(r))))];
  const at = e.detail.Date ? new Date(e.detail.Date) : new Date(Date.parse(e.time) + 1000); // `time` has whole seconds: round up
  return { kind: 'event', regions, eventId: e.detail.EventID, snapshotId: e.detail.SourceIdentifier.replace(/^rds:/i, ''), at };
}

/**
 * Events come late, twice, and in bursts (a pass that deletes a day's expired snapshots raises one
 * event each). A pass that started after an event and saw its regions whole already did what the
 * event asks; a second one would spend RDS calls to learn nothing. This remembers, per container,
 * when the newest such pass started for each region (`*`: a whole-fleet pass). A new container
 * remembers nothing and so runs the pass: the memory only ever saves work, it never skips a
 * region no finished pass has seen since.
 */
export class CoveredRegions {
  private readonly since = new Map<string, number>();

  /** A pass over `regions` (null: the whole fleet) that started at `startedAt` finished having seen them. */
  note(regions: readonly string[] | null, startedAt: Date): void {
    for (const r of regions ?? ['*']) this.since.set(r, Math.max(this.since.get(r) ?? 0, startedAt.getTime()));
  }

  /** True when every region was seen by a pass that started after `at`. */
  covers(regions: readonly string[], at: Date): boolean {
    const seen = (r: string): number => Math.max(this.since.get(r) ?? 0, this.since.get('*') ?? 0);
    return regions.length > 0 && regions.every((r) => seen(r) > at.getTime());
  }

  clear(): void {
    this.since.clear();
  }
}
