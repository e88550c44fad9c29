import { SnapwardError } from '../src/domain/errors';

/**
 * One thing wrong with the configuration. `path` points into the YAML document (`a.b[2].c`, or
 * `(root)` for the file as a whole), `value` is what was read there (undefined when the key is
 * missing) and `expected` says, for a human, what would have been accepted.
 */
export interface ConfigProblem {
  path: string;
  value: unknown;
  expected: string;
}

export const ROOT_PATH = '(root)';

/** `['instances', 2, 'tier']` -> `instances[2].tier`; `[]` -> `(root)`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? ROOT_PATH : out;
}

const MAX_VALUE_CHARS = 60;

/** The value as JSON, cut short so one huge mapping cannot flood the error output. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

/**
 * `instances[2].tier: got 7, expected an integer tier 0..3`. An undefined value is a missing key,
 * except at the root, where it means the problem is with the file itself (nothing to show).
 */
export function formatProblem(problem: ConfigProblem): string {
  if (problem.value === undefined && problem.path === ROOT_PATH) return `${problem.path}: expected ${problem.expected}`;
  const got = problem.value === undefined ? 'missing' : `got ${showValue(problem.value)}`;
  return `${problem.path}: ${got}, expected ${problem.expected}`;
}

/**
 * The configuration could not be used. Carries every problem found, so a user fixes the file in
 * one go instead of one error per run; the message lists them one per line.
 */
export class ConfigError extends SnapwardError {
  readonly problems: ConfigProblem[];
  readonly configPath: string | null;

  constructor(problems: ConfigProblem[], configPath: string | null) {
    const where = configPath ? ` in ${configPath}` : '';
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((p) => `  ${formatProblem(p)}`);
    super('CONFIG_INVALID', [`invalid configuration${where} (${count}):`, ...lines].join('\n'), {
      context: { configPath, problems },
    });
    this.problems = [...problems];
    this.configPath = configPath;
  }
}
