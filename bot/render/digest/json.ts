/** `digest --format json`: the complete digest (the README's contract), summary first. */
import type { Digest } from '../../../analyzers/history/model.js';

export function renderDigest(d: Digest): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
