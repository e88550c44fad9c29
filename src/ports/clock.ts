/** The only source of "now" in the core, so tests and benchmarks can move time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
