import { COPY, planCopy } from '../../domain/kinds/copy';
import { CREATE, planCreate } from '../../domain/kinds/create';
import { EXPIRE, planExpire } from '../../domain/kinds/expire';
import { planVault, VAULT } from '../../domain/kinds/vault';
import { planVaultExpire, VAULT_EXPIRE } from '../../domain/kinds/vault-expire';
import { Planner } from '../../domain/work';
import { executeCopy } from './copy';
import { executeCreate } from './create';
import { Executor } from './executor';
import { executeExpire } from './expire';
import { executeVault } from './vault';
import { executeVaultExpire } from './vault-expire';

/**
 * The registered kinds of work: the only place that lists them. A kind is a pure planner
 * (domain/kinds/<kind>.ts) and an executor (app/kinds/<kind>.ts); the engine, results, summaries,
 * the dry run, the due-time rule, status and the CLI loop over steps and never ask for a kind by
 * name (test/unit/architecture.test.ts holds that rule). Adding a kind is two files and a line here.
 */
export interface WorkKind {
  readonly name: string;
  readonly plan: Planner;
  readonly execute: Executor;
  /** The list of an instance's result a finished step lands in (`created`, `copied`, `deleted`, `vaulted`, `vaultDeleted`). */
  readonly done: DoneList;
}

export type DoneList = 'created' | 'copied' | 'deleted' | 'vaulted' | 'vaultDeleted';

/**
 * In execution order: a member's snapshot is made before it is copied, its DR copy before it is
 * vaulted, and all of them before retention (the fleet's, then the vault's).
 */
export const KINDS: readonly WorkKind[] = [
  { name: CREATE, plan: planCreate, execute: executeCreate, done: 'created' },
  { name: COPY, plan: planCopy, execute: executeCopy, done: 'copied' },
  { name: VAULT, plan: planVault, execute: executeVault, done: 'vaulted' },
  { name: EXPIRE, plan: planExpire, execute: executeExpire, done: 'deleted' },
  { name: VAULT_EXPIRE, plan: planVaultExpire, execute: executeVaultExpire, done: 'vaultDeleted' },
];

const byName = new Map(KINDS.map((k) => [k.name, k]));

export function kindOf(name: string): WorkKind {
  const kind = byName.get(name);
  if (!kind) throw new Error(`no kind of work named '${name}' is registered (app/kinds/index.ts)`);
  return kind;
}

/** Execution order of a kind: its place in KINDS. */
export const kindOrder = (name: string): number => KINDS.findIndex((k) => k.name === name);
