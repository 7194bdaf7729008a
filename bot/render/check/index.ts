/** Output formats of `kvm-review check`: name -> renderer. */
import type { CheckResult } from '../../../analyzers/findings/check-result.js';
import { renderCheckJson } from './json.js';
import { renderCheckMarkdown } from './markdown.js';
import { renderCheckText } from './text.js';

export const CHECK_FORMATS = {
  text: renderCheckText,
  json: renderCheckJson,
  markdown: renderCheckMarkdown,
} as const satisfies Record<string, (r: CheckResult) => string>;

export type CheckFormat = keyof typeof CHECK_FORMATS;
