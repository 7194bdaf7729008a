/**
 * The digest's formats: one line each. The digest is its own result (a
 * window of history, not one tree), so it has its own small registry
 * beside bot/render/registry.ts rather than widening every format module
 * there.
 */
import type { Digest } from '../../../analyzers/history/model.js';

export interface DigestRenderOptions {
  /** Optional: email From:. */
  from?: string;
  /** Optional: email To:. */
  to?: string;
}

export interface DigestFormat {
  name: string;
  summary: string;
  render(d: Digest, opts: DigestRenderOptions): Promise<string>;
}

export const DIGEST_FORMATS: readonly DigestFormat[] = [
  { name: 'markdown', summary: 'GitHub-flavoured Markdown (a mermaid xychart for the trend); what --post posts', render: async (d) => (await import('./markdown.js')).renderDigestMarkdown(d) },
  { name: 'json', summary: 'the complete digest (the contract in the README)', render: async (d) => `${JSON.stringify(d, null, 2)}\n` },
  { name: 'html', summary: 'one self-contained page, the trend as inline SVG, no script', render: async (d) => (await import('./html.js')).renderDigestHtml(d) },
  { name: 'email', summary: 'a plain-text mail for the list (72 columns) that git send-email sends', render: async (d, o) => (await import('./email.js')).renderDigestEmail(d, o) },
  { name: 'text', summary: 'for a terminal', render: async (d) => (await import('./text.js')).renderDigestText(d) },
];

export function digestFormat(name: string): DigestFormat | undefined {
  return DIGEST_FORMATS.find((f) => f.name === name);
}
