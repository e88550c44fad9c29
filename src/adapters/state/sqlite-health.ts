import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_SCHEMA_VERSION } from './sqlite-state-store';

/** What the doctor needs to know about the SQLite state file, found without changing it. */
export interface StoreHealth {
  readonly path: string;
  readonly exists: boolean;
  /** Whether a pass could write it (or create it); null when that could not be told. */
  readonly writable: boolean | null;
  readonly schemaVersion: number | null;
  readonly currentVersion: number;
  /** Why it cannot be used as it is; null when it can. */
  readonly problem: string | null;
}

/**
 * Checks the state file: an existing file is opened and its write lock taken and released at
 * once (`BEGIN IMMEDIATE; ROLLBACK`: proves writes would work, changes nothing); a missing one
 * needs its nearest existing folder to be a writable directory. Never creates anything.
 */
export function inspectSqliteStore(file: string): StoreHealth {
  const base = { path: file, currentVersion: SQLITE_SCHEMA_VERSION };
  if (!fs.existsSync(file)) {
    const ancestor = nearestExisting(path.dirname(path.resolve(file)));
    if (!fs.statSync(ancestor).isDirectory()) {
      return { ...base, exists: false, writable: false, schemaVersion: null, problem: `${ancestor} is a file, not a folder: the state file cannot be created under it` };
    }
    const ok = canWrite(ancestor);
    return { ...base, exists: false, writable: ok, schemaVersion: null, problem: ok ? null : `folder ${ancestor} is not writable: the state file cannot be created` };
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SQLITE_SCHEMA_VERSION) {
      return { ...base, exists: true, writable: null, schemaVersion: version, problem: `schema version ${version} was written by a newer snapward (this one knows up to ${SQLITE_SCHEMA_VERSION})` };
    }
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return { ...base, exists: true, writable: true, schemaVersion: version, problem: null };
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const message = (err as Error).message;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return { ...base, exists: true, writable: null, schemaVersion: null, problem: `not a readable snapward store: ${message}` };
    return { ...base, exists: true, writable: false, schemaVersion: null, problem: `cannot be written: ${message}` };
  } finally {
    db?.close();
  }
}

function nearestExisting(dir: string): string {
  let current = dir;
  while (!fs.existsSync(current)) {
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

function canWrite(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
