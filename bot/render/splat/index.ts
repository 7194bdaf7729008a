/** Output formats of `kvm-review splat`: name -> renderer. */
import type { SplatResult } from '../../../analyzers/splat/model.js';
import { renderSplatEmail } from './email.js';
import { renderSplatJson } from './json.js';
import { renderSplatMarkdown } from './markdown.js';
import { renderSplatText } from './text.js';

export const SPLAT_FORMATS = {
  text: renderSplatText,
  json: renderSplatJson,
  markdown: renderSplatMarkdown,
  email: (r: SplatResult) => renderSplatEmail(r),
} as const satisfies Record<string, (r: SplatResult) => string>;

export type SplatFormat = keyof typeof SPLAT_FORMATS;
