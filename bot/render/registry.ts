/**
 * The output formats: one line each, one module each. `--format` choices,
 * `--help` text and the tests are derived from this list. A format module
 * is loaded only when a run uses it (remark and the SARIF writer are not
 * start-up costs of `--version` or a text review), so this file holds data
 * and dynamic imports only.
 */
import type { Digest } from '../../analyzers/history/model.js';
import type { Renderer, ResultType } from './model.js';

/** The commands with an output format, and the result each renders. */
export const COMMAND_RESULTS = { mbox: 'review', git: 'review', check: 'check', doc: 'order', splat: 'splat' } as const satisfies Record<string, ResultType>;

export type FormatCommand = keyof typeof COMMAND_RESULTS;

export interface FormatEntry {
  name: string;
  /** One line for --help. */
  summary: string;
  /** The results it renders; the commands it applies to follow from COMMAND_RESULTS (and `render` takes them all). */
  results: readonly ResultType[];
  load(): Promise<Renderer>;
}

export const FORMATS: readonly FormatEntry[] = [
  { name: 'text', summary: 'for a terminal or a mail; colour on a terminal unless NO_COLOR', results: ['review', 'check', 'order', 'splat'], load: () => import('./formats/text.js') },
  { name: 'json', summary: 'the complete result (the contracts in the README); `kvm-review render` reads it back', results: ['review', 'check', 'order', 'splat'], load: () => import('./formats/json.js') },
  { name: 'markdown', summary: 'GitHub-flavoured Markdown, mentions made inert', results: ['review', 'check', 'splat'], load: () => import('./formats/markdown.js') },
  { name: 'email', summary: 'an mbox of plain-text replies, one per patch with findings (per report for splat)', results: ['review', 'splat'], load: () => import('./formats/email.js') },
  { name: 'sarif', summary: 'SARIF 2.1.0 for GitHub code scanning', results: ['review'], load: () => import('./formats/sarif.js') },
  { name: 'mermaid', summary: 'a flowchart for a ```mermaid block', results: ['order'], load: () => import('./formats/mermaid.js') },
  { name: 'dot', summary: 'a Graphviz digraph (| dot -Tsvg)', results: ['order'], load: () => import('./formats/dot.js') },
];

/** The formats that render `type`, in registry order. */
export function formatsFor(type: ResultType): FormatEntry[] {
  return FORMATS.filter((f) => f.results.includes(type));
}

/** The format names a command takes, for --format's choices. */
export function formatNames(command: FormatCommand): string[] {
  return formatsFor(COMMAND_RESULTS[command]).map((f) => f.name);
}

/** --help lines: one per format the command takes. */
export function formatHelp(formats: readonly FormatEntry[]): string {
  const width = Math.max(...formats.map((f) => f.name.length));
  return `\nFormats:\n${formats.map((f) => `  ${f.name.padEnd(width)}  ${f.summary}`).join('\n')}`;
}

/** The renderer of `name` for `type`; undefined when that format does not render that result. */
export async function loadRenderer(name: string, type: ResultType): Promise<Renderer | undefined> {
  const entry = FORMATS.find((f) => f.name === name && f.results.includes(type));
  return entry ? entry.load() : undefined;
}

/** Options of the digest's formats. */
export interface DigestRenderOptions {
  /** Optional: email From:. */
  from?: string;
  /** Optional: email To:. */
  to?: string;
}

/** A digest format module's one export. */
export interface DigestRenderer {
  renderDigest(d: Digest, opts: DigestRenderOptions): string;
}

export interface DigestFormatEntry {
  name: string;
  summary: string;
  load(): Promise<DigestRenderer>;
}

/**
 * `kvm-review digest`'s formats: the digest is a window of history, its own
 * result, so its formats are their own list (modules in bot/render/digest/).
 */
export const DIGEST_FORMATS: readonly DigestFormatEntry[] = [
  { name: 'markdown', summary: 'GitHub-flavoured Markdown (a mermaid xychart for the trend); what --post posts', load: () => import('./digest/markdown.js') },
  { name: 'json', summary: 'the complete digest (the contract in the README)', load: () => import('./digest/json.js') },
  { name: 'html', summary: 'one self-contained page, the trend as inline SVG, no script', load: () => import('./digest/html.js') },
  { name: 'email', summary: 'a plain-text mail for the list (72 columns) that git send-email sends', load: () => import('./digest/email.js') },
  { name: 'text', summary: 'for a terminal', load: () => import('./digest/text.js') },
];
