/** Colour for a terminal. The CLI decides whether to use it (stdout a TTY, NO_COLOR unset); renderers only apply it. */
import type { TextStyle } from './finding-text.js';

const CODES = { error: '31', warning: '33', info: '36' } as const;

export const ANSI: TextStyle = {
  bold: (s) => `\u001b[1m${s}\u001b[22m`,
  severity: (sev, s) => `\u001b[${CODES[sev]};1m${s}\u001b[0m`,
};

/** https://no-color.org: any non-empty NO_COLOR disables colour. */
export function wantsColour(isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return isTTY && !env.NO_COLOR;
}
