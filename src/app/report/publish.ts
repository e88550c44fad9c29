import { AppDeps } from '../deps';
import { ReportSink } from '../../ports/report-sink';
import { renderReportCsv } from './csv';
import { gatherReport } from './gather';
import { renderReportHtml } from './html';

export interface PublishedReport {
  /** Where the dated copy went: reports/<yyyy>/<mm>/<dd>/. */
  readonly prefix: string;
  readonly keys: readonly string[];
  readonly observedFully: boolean;
  readonly instances: number;
}

/**
 * The daily report on AWS: HTML, JSON and the CSV files under `reports/<yyyy>/<mm>/<dd>/` (kept
 * by date, the auditor's trail) and the same under `latest/` (a stable address). The dated copy
 * is written first, so `latest/` never points at something the dated trail lacks.
 */
export async function publishReport(deps: AppDeps, sink: ReportSink, options: { source: string }): Promise<PublishedReport> {
  const model = await gatherReport(deps, { source: options.source });
  const files: [string, string, string][] = [
    ['dashboard.html', renderReportHtml(model), 'text/html; charset=utf-8'],
    ['report.json', JSON.stringify(model), 'application/json'],
    ...Object.entries(renderReportCsv(model)).map(([name, text]): [string, string, string] => [name, text, 'text/csv; charset=utf-8']),
  ];
  const day = model.generatedAt.slice(0, 10).split('-');
  const prefix = `reports/${day[0]}/${day[1]}/${day[2]}/`;
  const keys: string[] = [];
  for (const base of [prefix, 'latest/']) {
    for (const [name, body, type] of files) {
      await sink.put(`${base}${name}`, body, type);
      keys.push(`${base}${name}`);
    }
  }
  return { prefix, keys, observedFully: model.observedFully, instances: model.instances.length };
}
