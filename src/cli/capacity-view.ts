import { capacityExceeded, CopyCapacity } from '../domain/capacity';
import { Output } from './output';

/**
 * The copy capacity section of `status`: one row per DR region and kind. Unknown figures say
 * so (no copy has finished yet, so there is no duration to measure), never 0.
 */
export function printCapacity(out: Output, rows: readonly CopyCapacity[], wide: boolean): void {
  if (rows.length === 0) return;
  out.line();
  out.table(
    [
      { key: 'region', header: 'COPIES TO', elide: 'none' },
      { key: 'kind', header: 'KIND', elide: 'none' },
      { key: 'inFlight', header: 'IN FLIGHT', elide: 'none' },
      { key: 'median', header: 'MEDIAN COPY', elide: 'none' },
      { key: 'capacity', header: 'CAPACITY/DAY', elide: 'none', tone: (c) => (c.startsWith('unknown') ? 'yellow' : null) },
      { key: 'demand', header: 'DEMAND/DAY', elide: 'none', tone: (c) => (c.endsWith('exceeds capacity') ? 'red' : null) },
      { key: 'backlog', header: 'BACKLOG', elide: 'none' },
    ],
    rows.map((c) => ({
      region: c.region,
      kind: c.kind,
      inFlight: `${c.inFlight} of ${c.limit}`,
      median: c.medianCopyMinutes === null ? 'unknown' : `${c.medianCopyMinutes} min (${c.samples} cop${c.samples === 1 ? 'y' : 'ies'})`,
      capacity: c.capacityPerDay === null ? 'unknown (no copy finished yet)' : String(c.capacityPerDay),
      demand: `${c.demandPerDay}${capacityExceeded(c) ? ' exceeds capacity' : ''}`,
      backlog: String(c.backlog),
    })),
    { wide },
  );
}
