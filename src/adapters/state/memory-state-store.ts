import { emptyMemoryDatabase, SqliteStateStore } from './sqlite-state-store';

/**
 * The `memory` driver (tests, `--store none` style dry use, an absent file read as empty): the
 * SQLite driver on a private in-memory database. Nothing of it reaches disk and it is gone when
 * closed or dropped.
 *
 * It used to be a second implementation that imitated SQLite (copying through JSON, ordering as
 * SQLite's ORDER BY, rejecting what SQLite rejects); now it is SQLite, so it cannot drift.
 */
export class MemoryStateStore extends SqliteStateStore {
  constructor() {
    super(emptyMemoryDatabase(), ':memory:');
  }
}
