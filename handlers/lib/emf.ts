import { EmfDocument } from '../../src/app/metrics/check-metrics';

/**
 * Writes Embedded Metric Format documents, one JSON object per line, to stdout: Lambda sends
 * stdout to CloudWatch Logs, which extracts the metrics. No API call, no extra permission.
 */
export function writeEmf(docs: readonly EmfDocument[], write: (text: string) => void = (t) => void process.stdout.write(t)): void {
  if (docs.length) write(docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
}
