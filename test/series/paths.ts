/** Where the series tests read their inputs: the fixtures written for them and the shared corpus (read, never copied). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, SHARED } from '../helpers/paths.js';

export const SERIES_FIXTURES = join(FIXTURES, 'series');
export const LORE = join(SHARED, 'corpus', 'lore');
export const PUBLIC_INBOX = join(SHARED, 'corpus', 'public-inbox', 'kvmarm-2022-11.git');

/** A fresh temporary directory for inputs generated at test time. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kvm-review-series-'));
}
