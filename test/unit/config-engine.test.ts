import { MINIMAL_CONFIG, problemsOf as problemsIn } from '../support/config-problems';
import { parseConfig } from '../../config/load';
import { DEFAULT_RETRY, DEFAULT_TIMEOUTS } from '../../src/domain/config';

/** The engine's keys: `retry.maxBackoff` (non-retryable failures) and `timeouts.copy` / `timeouts.create`. */
const MINIMAL = MINIMAL_CONFIG;

const problemsOf = (text: string) => problemsIn(text, '/etc/snapward.yaml', '/etc');

describe('config: retry and timeouts', () => {
  it('defaults to a 6 h backoff cap, 24 h for a copy and 12 h for a create', () => {
    const config = parseConfig(MINIMAL, null, '/etc');
    expect(config.retry).toEqual(DEFAULT_RETRY);
    expect(config.timeouts).toEqual(DEFAULT_TIMEOUTS);
    expect(DEFAULT_RETRY.maxBackoffMs).toBe(6 * 3_600_000);
    expect(DEFAULT_TIMEOUTS).toEqual({ copyMs: 24 * 3_600_000, createMs: 12 * 3_600_000 });
  });

  it('reads durations into milliseconds', () => {
    const config = parseConfig(`${MINIMAL}retry: { maxBackoff: 2h }\ntimeouts: { copy: 36h, create: 6h }\n`, null, '/etc');
    expect(config.retry).toEqual({ maxBackoffMs: 2 * 3_600_000 });
    expect(config.timeouts).toEqual({ copyMs: 36 * 3_600_000, createMs: 6 * 3_600_000 });
  });

  it.each([
    ['retry: { maxBackoff: 5m }', 'retry.maxBackoff', '5m', 'a duration from 15m to 7d like 6h'],
    ['retry: { maxBackoff: 8d }', 'retry.maxBackoff', '8d', 'a duration from 15m to 7d like 6h'],
    ['retry: { attempts: 3 }', 'retry.attempts', 3, expect.stringContaining('allowed: maxBackoff')],
    ['timeouts: { copy: 30m }', 'timeouts.copy', '30m', 'a duration from 1h to 7d like 24h'],
    ['timeouts: { create: soon }', 'timeouts.create', 'soon', 'a duration from 1h to 7d like 12h'],
    ['timeouts: { delete: 1h }', 'timeouts.delete', '1h', expect.stringContaining('allowed: copy, create')],
  ])('%s is refused, naming the field, the value and what is expected', (line, path, value, expected) => {
    expect(problemsOf(`${MINIMAL}${line}\n`)).toEqual([{ path, value, expected }]);
  });
});
