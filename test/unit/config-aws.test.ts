import { MINIMAL_CONFIG, problemsOf as problemsIn } from '../support/config-problems';
import { parseConfig } from '../../config/load';

/** The `aws` key: connect and request timeouts per attempt, a budget per call. */
const MINIMAL = MINIMAL_CONFIG;

const problemsOf = (text: string) => problemsIn(text, '/etc/snapward.yaml', '/etc');

describe('config: aws call limits', () => {
  it('is absent unless set: the adapter then uses its defaults', () => {
    expect(parseConfig(MINIMAL, null, '/etc').aws).toBeUndefined();
  });

  it('reads durations into milliseconds, keeping only the keys set', () => {
    const config = parseConfig(`${MINIMAL}aws: { connectTimeout: 2s, requestTimeout: 10s, callBudget: 1m }\n`, null, '/etc');
    expect(config.aws).toEqual({ connectTimeoutMs: 2_000, requestTimeoutMs: 10_000, callBudgetMs: 60_000 });
    expect(parseConfig(`${MINIMAL}aws: { callBudget: 90s }\n`, null, '/etc').aws).toEqual({ callBudgetMs: 90_000 });
  });

  it.each([
    ['aws: { requestTimeout: 0s }', 'aws.requestTimeout', '0s', 'a duration from 1s to 10m like 5s, 20s or 1m'],
    ['aws: { connectTimeout: 2m }', 'aws.connectTimeout', '2m', 'a duration from 1s to 60s like 5s, 20s or 1m'],
    ['aws: { callBudget: 20 }', 'aws.callBudget', 20, 'a duration from 1s to 10m like 5s, 20s or 1m'],
    ['aws: { callBudget: 11m }', 'aws.callBudget', '11m', 'a duration from 1s to 10m like 5s, 20s or 1m'],
    ['aws: { retries: 3 }', 'aws.retries', 3, expect.stringContaining('allowed: connectTimeout, requestTimeout, callBudget')],
    [
      'aws: { requestTimeout: 30s, callBudget: 10s }',
      'aws.callBudget',
      '10s',
      'a budget at least as long as aws.requestTimeout (30s): it covers every attempt of a call',
    ],
  ])('%s is refused, naming the field, the value and what is expected', (line, path, value, expected) => {
    expect(problemsOf(`${MINIMAL}${line}\n`)).toEqual([{ path, value, expected }]);
  });
});
