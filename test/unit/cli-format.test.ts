import { PassThrough } from 'node:stream';
import { elideEnd, elideMiddle, humanDuration, humanSeconds } from '../../src/cli/format';
import { humanizeSeconds } from '../../src/cli/finding-view';
import { describeFilter, filterFrom, matchesSubject, problemsFirst } from '../../src/cli/filters';
import { Column, fitWidths, renderTable, streamOutput } from '../../src/cli/output';

describe('human durations', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [45_000, '45s'],
    [65_000, '1m05s'],
    [12 * 60_000 + 5_000, '12m05s'],
    [3 * 3600_000 + 5 * 60_000, '3h05m'],
    [3 * 3600_000 + 5 * 60_000 + 59_000, '3h05m'], // truncated, never rounded up
    [11130_000, '3h05m'],
    [24 * 3600_000, '1d'],
    [2 * 86400_000 + 4 * 3600_000 + 59 * 60_000, '2d4h'],
    [400 * 86400_000, '400d'],
    [-90_000, '-1m30s'],
  ])('%d ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it('turns raw seconds in alert messages into durations', () => {
    expect(humanizeSeconds('instance loss would lose 11130s of db-1, target 3600s')).toBe('instance loss would lose 3h05m of db-1, target 1h00m');
    expect(humanizeSeconds('5s late, run r-20261124s1 and sw-db-20261124')).toBe('5s late, run r-20261124s1 and sw-db-20261124');
  });

  it('reads a missing figure as none', () => {
    expect(humanSeconds(null)).toBe('none');
    expect(humanSeconds(3600)).toBe('1h00m');
  });
});

describe('elision', () => {
  it.each([
    ['jira-prod-use1-1', 20, 'jira-prod-use1-1'],
    ['jira-prod-use1-1', 16, 'jira-prod-use1-1'],
    ['jira-prod-use1-1', 9, 'jira…e1-1'.slice(0, 4) + '…' + 'e1-1'],
    ['abcdefghij', 5, 'ab…ij'],
    ['abcdefghij', 4, 'ab…j'],
    ['abcdefghij', 1, '…'],
    ['abcdefghij', 0, ''],
  ])('elideMiddle(%s, %d) = %s', (text, width, expected) => {
    const got = elideMiddle(text, width);
    expect(got).toBe(expected);
    expect([...got].length).toBeLessThanOrEqual(width);
  });

  it('keeps the start of free text', () => {
    expect(elideEnd('no available snapshot of x', 10)).toBe('no availa…');
    expect(elideEnd('short', 10)).toBe('short');
  });
});

describe('tables', () => {
  const columns: Column[] = [
    { key: 'id', header: 'INSTANCE', elide: 'middle' },
    { key: 'tier', header: 'TIER', elide: 'none' },
    { key: 'what', header: 'WHAT' },
  ];
  const rows = [
    { id: 'jira-prod-use1-primary-database-1', tier: '0', what: 'instance loss would lose 3h05m, target 1h00m' },
    { id: 'wiki-1', tier: '3', what: 'ok' },
  ];

  it('without a width, prints every cell whole, columns aligned', () => {
    const text = renderTable(columns, rows);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(`INSTANCE${' '.repeat(27)}TIER  WHAT`);
    expect(lines[1]).toContain('jira-prod-use1-primary-database-1  0     instance loss would lose 3h05m, target 1h00m');
  });

  it('fits a narrow terminal: no line wider than it, ids cut in the middle, fixed columns whole', () => {
    const text = renderTable(columns, rows, { width: 50 });
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(50);
    expect(lines[1]).toMatch(/^jira-prod-.*…database-1 +0 +instance loss would .*…$/);
    expect(lines[2]).toMatch(/^wiki-1 +3 +ok$/);
  });

  it('narrows the widest cuttable column first and never below its floor', () => {
    const natural = [30, 4, 40];
    expect(fitWidths(columns, natural, 60)).toEqual([26, 4, 26]);
    const floors = fitWidths(columns, natural, 10);
    expect(floors).toEqual([8, 4, 6]); // cannot fit: the terminal wraps what is left
  });

  it('cuts the most willing columns first, the row identity last', () => {
    const cols: Column[] = [
      { key: 'id', header: 'INSTANCE', elide: 'middle', shrink: 0 },
      { key: 'snap', header: 'CREATED', elide: 'middle', shrink: 2 },
      { key: 'n', header: 'N', elide: 'none' },
    ];
    // 30 + 40 + 1 + 4 gaps = 75; at 60 the snapshot column gives all 15 back, the id keeps its 30.
    expect(fitWidths(cols, [30, 40, 1], 60)).toEqual([30, 25, 1]);
    // At 20 the snapshot column reaches its floor (7) before the id gives way.
    expect(fitWidths(cols, [30, 40, 1], 20)).toEqual([8, 7, 1]);
  });

  it('colours only when asked, after padding, so alignment holds', () => {
    const toned: Column[] = [{ key: 'band', header: 'BAND', tone: (c) => (c === 'critical' ? 'red' : null) }, { key: 'x', header: 'X' }];
    const text = renderTable(toned, [{ band: 'critical', x: '1' }, { band: 'ok', x: '2' }], { color: true });
    expect(text.split('\n')[1]).toBe('\u001b[31mcritical\u001b[0m  1');
    expect(text.split('\n')[2]).toBe('ok        2');
    expect(renderTable(toned, [{ band: 'critical', x: '1' }])).not.toContain('\u001b[');
  });
});

describe('sorting and filters', () => {
  const rows = [
    { id: 'b', tier: 2, problem: false },
    { id: 'a', tier: 2, problem: false },
    { id: 'z', tier: 3, problem: true },
    { id: 'c', tier: 0, problem: false },
    { id: 'y', tier: 1, problem: true },
  ];

  it('puts problems first, then tier, then id', () => {
    expect(problemsFirst(rows, (r) => r).map((r) => r.id)).toEqual(['y', 'z', 'c', 'a', 'b']);
  });

  it('orders ids naturally: db-2 before db-10', () => {
    const dbs = ['db-10', 'db-2', 'db-1'].map((id) => ({ id, tier: 1, problem: false }));
    expect(problemsFirst(dbs, (r) => r).map((r) => r.id)).toEqual(['db-1', 'db-2', 'db-10']);
  });

  it('matches ids by glob, tiers, either region, products', () => {
    const f = filterFrom({ instance: ['jira-*'], tier: ['0', '1'], region: ['us-west-2'], product: ['jira'] });
    expect(matchesSubject(f, { id: 'jira-prod-1', tier: 1, region: 'us-east-1', drRegion: 'us-west-2', product: 'jira' })).toBe(true);
    expect(matchesSubject(f, { id: 'wiki-1', tier: 1, region: 'us-east-1', drRegion: 'us-west-2', product: 'jira' })).toBe(false);
    expect(matchesSubject(f, { id: 'jira-prod-1', tier: 2, region: 'us-east-1', drRegion: 'us-west-2', product: 'jira' })).toBe(false);
    expect(matchesSubject(f, { id: 'jira-prod-1', tier: 1, region: 'us-east-1', drRegion: 'eu-west-1', product: 'jira' })).toBe(false);
    expect(matchesSubject(f, { id: 'jira-prod-1', tier: 1, region: 'us-east-1', drRegion: 'us-west-2', product: null })).toBe(false);
    expect(describeFilter(f)).toBe('instance jira-*; tier 0,1; region us-west-2; product jira');
  });

  it('rejects a bad tier or region, naming the value', () => {
    expect(() => filterFrom({ tier: ['4'] })).toThrow('--tier: got "4", expected a tier 0..3');
    expect(() => filterFrom({ region: ['us-east-01'] })).toThrow('--region: got "us-east-01"');
  });
});

describe('a closed stdout', () => {
  it('is not an error: later writes are dropped, nothing throws', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out = streamOutput(stdout, stderr, {});
    out.line('first');
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    stdout.emit('error', epipe);
    expect(() => out.line('second')).not.toThrow();
    expect(() => out.json({ a: 1 })).not.toThrow();
    expect(stdout.read()?.toString()).toBe('first\n');
  });
});
