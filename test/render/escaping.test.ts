/**
 * Output is safe to show (issue 11 §5): a hostile subject, author, file
 * name, function name or locking.rst line cannot move a terminal's cursor,
 * forge a report line, close a code fence, write HTML, mention someone or
 * link an issue on GitHub, form a SARIF link, or add a mail header.
 */
import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import type { Nodes, Root } from 'mdast';
import { mboxReader } from 'mbox-reader';
import PostalMime from 'postal-mime';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import type { ReviewResult } from '../../analyzers/review/model.js';
import type { Rendered, RenderOptions } from '../../bot/render/model.js';
import { loadRenderer } from '../../bot/render/registry.js';
import { escapeControls, inertMentions, sarifText } from '../../bot/render/safe-text.js';
import { fixtureResult } from './helpers.js';

const ESC = '\u001b';
const SUBJECT = `[PATCH v2 1/3] KVM: x86: fix ${ESC}[2J${ESC}[H\u202eevil\`\`\`\n\nerror: order-inversion: forged @torvalds #123 <img src=x onerror=alert(1)> [click](0)`;
const AUTHOR = `Mallory ${ESC}[31m@kvm-maintainers <mallory@example.org>`;
const FUNCTION = `demo_${ESC}]8;;http://evil/${ESC}\\fn`;
const RULE = 'kvm->lock is taken outside vcpu->mutex ``` @sean <script>alert(1)</script>';
const OPTIONS: RenderOptions = { failOn: 'error', toolVersion: '0.1.0', date: new Date('2026-03-03T10:20:30Z') };
// Everything a terminal or a parser could act on: C0 but tab and newline, DEL, C1, bidi overrides.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function hostile(): ReviewResult {
  const r = fixtureResult('demo-series');
  r.series.subject = SUBJECT;
  for (const p of r.patches) {
    p.subject = SUBJECT;
    p.author = AUTHOR;
    for (const f of p.findings) {
      f.patch.subject = SUBJECT;
      f.message = `${f.message} in ${FUNCTION}()`;
      for (const s of f.sites) s.function = FUNCTION;
      if (f.rule) f.rule.text = RULE;
      f.rulePath = f.rulePath.map((q) => ({ ...q, text: RULE }));
    }
  }
  return r;
}

async function render(format: string, result: ReviewResult): Promise<string> {
  const renderer = await loadRenderer(format, 'review');
  if (!renderer) throw new Error(format);
  return renderer.render({ type: 'review', result } as Rendered, OPTIONS).output;
}

function walk(node: Nodes, visit: (n: Nodes) => void): void {
  visit(node);
  if ('children' in node) for (const c of node.children) walk(c, visit);
}

describe('the escaping functions', () => {
  it('write controls as visible escapes and keep tabs', () => {
    expect(escapeControls(`a${ESC}[2Jb\tc\u202ed\r\n`)).toBe('a\\x1b[2Jb\tc\\u202ed\\x0d\\x0a');
  });
  it('make mentions and issue references inert but leave addresses and code alone', () => {
    expect(inertMentions('@torvalds #123 kvm->lock a@b.org (@x)')).toBe('@\u200btorvalds #\u200b123 kvm->lock a@b.org (@\u200bx)');
    expect(sarifText('[click](1) \\')).toBe('\\[click\\](1) \\\\');
  });
});

describe('hostile input in every format', () => {
  const result = hostile();

  it('text: no control reaches the terminal, no report line is forged', async () => {
    const text = await render('text', result);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain('\\x1b[2J\\x1b[H\\u202eevil');
    expect(text).not.toMatch(/^error: order-inversion: forged/m);
  });

  it('markdown: no HTML, no live mention or issue link, no fence closed by the input', async () => {
    const md = await render('markdown', result);
    expect(md).not.toMatch(RAW_CONTROL);
    const tree = unified().use(remarkParse).use(remarkGfm).parse(md) as Root;
    const types = new Set<string>();
    const texts: string[] = [];
    walk(tree, (n) => {
      types.add(n.type);
      if (n.type === 'text') texts.push(n.value);
    });
    expect(types.has('html')).toBe(false);
    const all = texts.join('\n');
    expect(all).not.toMatch(/(^|[^\w])@torvalds|(^|[^\w])@sean|(^|[^\w])#123/);
    expect(all).toContain('@\u200btorvalds');
    // The benign demo's structure survives: the same headings and code blocks.
    const count = (m: string, type: string): number => {
      let k = 0;
      walk(unified().use(remarkParse).use(remarkGfm).parse(m) as Root, (n) => (k += n.type === type ? 1 : 0));
      return k;
    };
    const benign = await render('markdown', fixtureResult('demo-series'));
    expect([count(md, 'heading'), count(md, 'code')]).toEqual([count(benign, 'heading'), count(benign, 'code')]);
  });

  it('sarif: message texts carry no link or mention the input wrote', async () => {
    const log = JSON.parse(await render('sarif', result)) as { runs: { results: { message: { text: string } }[] }[] };
    const messages = log.runs[0]?.results.map((r) => r.message.text) ?? [];
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) {
      expect(m).not.toMatch(RAW_CONTROL);
      expect(m).not.toMatch(/(^|[^\\])\[[^\]]*\]\(\d+\)/);
      expect(m).not.toMatch(/(^|[^\w])@sean/);
    }
  });

  it('email: no header injected, no control in the headers or the body', async () => {
    const mbox = await render('email', result);
    for await (const m of mboxReader(Readable.from([Buffer.from(mbox)]))) {
      const mail = await PostalMime.parse(m.content);
      expect(mail.headers.map((h) => h.key)).not.toContain('bcc');
      expect(mail.subject).not.toMatch(RAW_CONTROL);
      expect(mail.subject).toContain('\\x1b[2J');
      expect(mail.text ?? '').not.toMatch(RAW_CONTROL);
      expect(mail.from?.address).toBe('kvm-review@localhost');
    }
    // A subject that tries to end the header block adds nothing: every header line is a header or a fold.
    const headers = mbox.slice(mbox.indexOf('\n') + 1, mbox.indexOf('\n\n')).split('\n');
    expect(headers.filter((h) => !/^([A-Za-z-]+: | )/.test(h))).toEqual([]);
  });
});
