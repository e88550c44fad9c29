/**
 * The CLI's only way to print. `--json` commands print exactly one JSON document on stdout;
 * everything meant for people goes through here too, so library code never prints.
 */
export interface Output {
  json(document: unknown): void;
  line(text?: string): void;
  table(columns: readonly Column[], rows: readonly Record<string, string>[]): void;
  /** Human messages for stderr (errors, hints). */
  error(text: string): void;
}

export interface Column {
  readonly key: string;
  readonly header: string;
}

export function streamOutput(stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Output {
  return {
    json: (document) => void stdout.write(`${JSON.stringify(document, null, 2)}\n`),
    line: (text = '') => void stdout.write(`${text}\n`),
    table: (columns, rows) => void stdout.write(renderTable(columns, rows)),
    error: (text) => void stderr.write(`${text}\n`),
  };
}

export function renderTable(columns: readonly Column[], rows: readonly Record<string, string>[]): string {
  const widths = columns.map((c) => Math.max(c.header.length, ...rows.map((r) => (r[c.key] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map((r) => line(columns.map((c) => r[c.key] ?? '')))].join('\n') + '\n';
}
