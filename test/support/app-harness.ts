import { MemoryStateStore } from '../../src/adapters/state/memory-state-store';
import { AppDeps, Runtime } from '../../src/app/deps';
import { SnapwardConfig } from '../../src/domain/config';
import { silentLogger } from '../../src/ports/logger';
import { RunOwner } from '../../src/ports/state-store';
import { config as buildConfig } from './builders';
import { FakeClock, FakeEvents, FakeKeys, FakeRds } from './fake-provider';
import { FakeObjectStore } from './fake-object-store';
import { FakeHook, FakeRestores } from './fake-restores';
import { DEFAULT_ALERTS } from '../../src/domain/alerts';
import { FakeAccounts, OWN_ACCOUNT } from './fake-accounts';

/** Use-case wiring with fakes: the same AppDeps the composition root builds, minus AWS and disk. */
export interface Harness {
  readonly deps: AppDeps;
  readonly rds: FakeRds;
  readonly keys: FakeKeys;
  readonly clock: FakeClock;
  readonly store: MemoryStateStore;
  /** Pids the harness treats as dead (to simulate a crashed process). */
  readonly deadPids: Set<number>;
  readonly events: FakeEvents;
  readonly objects: FakeObjectStore;
  readonly restores: FakeRestores;
  readonly hook: FakeHook;
  readonly accounts: FakeAccounts;
  with(overrides: Partial<AppDeps>): AppDeps;
}

let runCounter = 0;

export function harness(config: Partial<SnapwardConfig> = {}, now = '2026-11-24T10:00:00Z', owner: RunOwner = { host: 'test', pid: 1000 }): Harness {
  const clock = new FakeClock(new Date(now));
  const rds = new FakeRds(clock);
  const keys = new FakeKeys();
  const store = new MemoryStateStore();
  const deadPids = new Set<number>();
  const runtime: Runtime = {
    owner,
    isAlive: (o) => !deadPids.has(o.pid),
    newRunId: () => `r-test-${String(++runCounter).padStart(5, '0')}`,
    newFindingId: () => `f-test-${String(++runCounter).padStart(5, '0')}`,
  };
  const events = new FakeEvents();
  const objects = new FakeObjectStore();
  const restores = new FakeRestores(clock, rds);
  const hook = new FakeHook();
  const accounts = new FakeAccounts({ id: OWN_ACCOUNT, name: null, provider: rds, keys, restores });
  const deps: AppDeps = { config: buildConfig(config), provider: rds, keys, accounts, objects, store, clock, logger: silentLogger, runtime, events, alerts: DEFAULT_ALERTS, restores, drillHook: null };
  return { deps, rds, keys, clock, store, deadPids, events, objects, restores, hook, accounts, with: (o) => {
      // Real adapters swapped in for the fakes act for the caller's own account too.
      const own = { ...(o.provider ? { provider: o.provider } : {}), ...(o.keys ? { keys: o.keys } : {}), ...(o.restores ? { restores: o.restores } : {}) };
      return { ...deps, ...(Object.keys(own).length && !o.accounts ? { accounts: accounts.withOwn(own) } : {}), ...o };
    } };
}
