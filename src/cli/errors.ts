import { SnapwardError } from '../domain/errors';

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failures: 1, usage: 2, interrupted: 130 } as const;

/** A bad command-line value: names the option, the value and what was expected. */
export function usageError(option: string, value: unknown, expected: string): SnapwardError {
  return new SnapwardError('USAGE', `${option}: got ${JSON.stringify(value)}, expected ${expected}`);
}

export function parsePositiveInt(option: string, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1 || n > max) throw usageError(option, value, `a whole number from 1 to ${max}`);
    return n;
  };
}
