export { MemoryStateStore } from './memory-state-store';
export { SqliteStateStore } from './sqlite-state-store';
