import { ProgressLine, progressFrame } from '../../src/cli/progress';
import { prettyLine } from '../../src/cli/pretty-log';

const p = (done: number, extra: Partial<{ created: number; copied: number; deferred: number; failed: number }> = {}) => ({ due: 600, done, created: 0, copied: 0, deferred: 0, failed: 0, ...extra });

function recorder() {
  const writes: string[] = [];
  return { writes, stream: { write: (t: string) => writes.push(t) } };
}

describe('the progress line', () => {
  it('renders members done/due, created, copied, deferred, failed and elapsed', () => {
    expect(progressFrame(p(120, { created: 80, copied: 75, failed: 2 }), 65_000)).toBe('members 120/600  created 80  copied 75  deferred 0  failed 2  1m05s');
  });

  it('draws nothing for the first two seconds, then redraws in place, and erases itself at the end', () => {
    let now = 0;
    const { writes, stream } = recorder();
    const line = new ProgressLine(stream, { enabled: true, now: () => now, intervalMs: 0 });
    line.update(p(1));
    now = 1900;
    line.update(p(5));
    expect(writes).toEqual([]);
    now = 2500;
    line.update(p(10, { created: 10 }));
    now = 3000;
    line.tick();
    expect(writes).toEqual(['\r\u001b[2Kmembers 10/600  created 10  copied 0  deferred 0  failed 0  2s', '\r\u001b[2Kmembers 10/600  created 10  copied 0  deferred 0  failed 0  3s']);
    line.finish();
    expect(writes[writes.length - 1]).toBe('\r\u001b[2K');
    line.update(p(11));
    expect(writes).toHaveLength(3); // finished: nothing more
  });

  it('prints log lines above itself and redraws', () => {
    let now = 5000;
    const { writes, stream } = recorder();
    const line = new ProgressLine(stream, { enabled: true, now: () => now, intervalMs: 0, delayMs: 0 });
    line.update(p(1));
    line.printAbove('15:30:02  WARN   something');
    expect(writes).toEqual([
      expect.stringMatching(/^\r\u001b\[2Kmembers 1\/600/),
      '\r\u001b[2K',
      '15:30:02  WARN   something\n',
      expect.stringMatching(/^\r\u001b\[2Kmembers 1\/600/),
    ]);
    now += 1;
  });

  it('redraws at most once per 100 ms however fast members finish', () => {
    let now = 0;
    const { writes, stream } = recorder();
    const line = new ProgressLine(stream, { enabled: true, now: () => now, intervalMs: 0 });
    now = 3000;
    for (let i = 1; i <= 100; i++) {
      now += 5; // 100 members in half a second
      line.update(p(i));
    }
    expect(writes.length).toBeGreaterThanOrEqual(5);
    expect(writes.length).toBeLessThanOrEqual(6);
  });

  it('is cut to the terminal width so it never wraps', () => {
    const { writes, stream } = recorder();
    const line = new ProgressLine(stream, { enabled: true, now: () => 10_000, intervalMs: 0, delayMs: 0, columns: 20 });
    line.update(p(1));
    expect(writes[0]).toBe('\r\u001b[2Kmembers 1/600  crea');
  });

  it('draws nothing at all when not on a terminal', () => {
    let now = 0;
    const { writes, stream } = recorder();
    const line = new ProgressLine(stream, { enabled: false, now: () => now, intervalMs: 0 });
    for (let i = 0; i < 50; i++) {
      now += 1000;
      line.update(p(i));
      line.tick();
    }
    line.printAbove('a log line');
    line.finish();
    expect(writes).toEqual(['a log line\n']); // logs still pass through; no frame, no escape codes
  });
});

describe('pretty logs', () => {
  const record = JSON.stringify({ level: 40, time: '2026-11-24T15:30:02.123Z', service: 'snapward', msg: 'marked an unfinished run as interrupted', runId: 'r-1', owner: { host: 'a', pid: 1 } });

  it('turns a pino record into one line for people', () => {
    expect(prettyLine(record, false)).toBe('15:30:02  WARN   marked an unfinished run as interrupted  runId=r-1 owner={"host":"a","pid":1}');
  });

  it('colours the level only when colours are on', () => {
    expect(prettyLine(record, true)).toContain('\u001b[33mWARN \u001b[0m');
  });

  it('passes through what is not JSON', () => {
    expect(prettyLine('plain text', false)).toBe('plain text');
  });
});
