/**
 * Parses a size flag (`--max-input 256M`): a whole number of bytes with an
 * optional binary suffix K, M or G (KiB, MiB, GiB; `B`/`iB` accepted). A
 * value that is not one is a usage error (exit 2) naming the flag.
 */
import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** Bytes of `value`; throws commander's InvalidArgumentError, which commander reports with the flag's name. */
export function parseSize(value: string): number {
  const m = /^\s*(\d+)\s*([KMG]?)(?:i?B)?\s*$/i.exec(value);
  const unit = UNITS[(m?.[2] ?? '').toUpperCase()];
  const n = m && unit !== undefined ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a size such as 65536, 64M or 1G, got '${value}'`);
  return n;
}

/** The whole number `value` writes, or NaN. */
const whole = (value: string): number => (/^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN);

/** A whole number 1 or more (`--series 2`). */
export function parsePositive(value: string): number {
  const n = whole(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number 1 or more, got '${value}'`);
  return n;
}

/** `--weeks`: the digest's trend reads the tree at each week's last commit, so a number of years of weeks is a run of hours. */
export const MAX_WEEKS = 104;

/** A whole number of trend weeks, 1 to MAX_WEEKS (`--weeks 8`). */
export function parseWeeks(value: string): number {
  const n = whole(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_WEEKS) {
    throw new InvalidArgumentError(`expected a whole number of weeks from 1 to ${MAX_WEEKS} (two years: each week's tree is read for the trend), got '${value}'`);
  }
  return n;
}
