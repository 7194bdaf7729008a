/**
 * Every digest format, produced from a real digest (revision 22 -> 23 of
 * the built history: a rule added, an undocumented order fixed, the drift
 * of the 6.12 code) and read back the way its reader would: Markdown
 * parsed with remark, the mail with postal-mime and `git mailinfo`, the
 * HTML checked for its chart and for the absence of script and external
 * assets, the JSON against the Contract's schema.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Code, Heading, Root, RootContent, Table } from 'mdast';
import PostalMime from 'postal-mime';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { z } from 'zod';
import { buildDigest } from '../../analyzers/history/digest.js';
import type { Digest } from '../../analyzers/history/model.js';
import { DRIFT_SECTIONS } from '../../analyzers/history/model.js';
import { HistoryStates } from '../../analyzers/history/states.js';
import { EMAIL_WIDTH, renderDigestEmail } from '../../bot/render/digest/email.js';
import { renderDigestHtml } from '../../bot/render/digest/html.js';
import { DIGEST_FORMATS } from '../../bot/render/registry.js';
import { renderDigestMarkdown, weekMarker } from '../../bot/render/digest/markdown.js';
import { renderDigestText } from '../../bot/render/digest/text.js';
import { DIGEST_CACHE, digestHistory, type DigestHistory } from '../helpers/digest-history.js';

let h: DigestHistory;
let d: Digest;
let states: HistoryStates;

beforeAll(async () => {
  h = await digestHistory();
  const cache = { dir: DIGEST_CACHE };
  states = new HistoryStates(h.repo, cache);
  d = (await buildDigest(h.repo, { from: h.revision('22').hash, to: h.revision('23').hash, weeks: 6, cache, states })).digest;
}, 300_000);
afterAll(() => states.close());

const site = z.object({ file: z.string(), line: z.number().int(), function: z.string(), chain: z.array(z.object({ function: z.string(), file: z.string(), line: z.number() })) }).passthrough();
const commit = z.object({ hash: z.string().regex(/^[0-9a-f]{40}$/), subject: z.string(), author: z.string(), date: z.string() });
const first = z.object({ commit, how: z.enum(['introduced', 'at-least-since']) }).nullable();
const CONTRACT = z.object({
  summary: z.string().min(1),
  window: z.object({ from: commit.nullable(), to: commit, since: z.string().nullable(), commits: z.number(), weeks: z.number() }),
  document: z.array(commit.extend({
    changes: z.array(z.object({
      change: z.enum(['rule-added', 'rule-removed', 'rule-reworded', 'lock-added', 'lock-dropped', 'srcu-changed', 'doc-conflict']),
      outer: z.string().optional(), inner: z.string().optional(), lock: z.string().optional(), line: z.number(), text: z.string(),
    }).refine((c) => (c.outer && c.inner) || c.lock || c.change === 'doc-conflict')),
  })),
  code: z.array(commit.extend({ edges: z.array(z.object({ change: z.enum(['added', 'removed']), outer: z.string(), inner: z.string(), function: z.string(), chain: z.array(z.unknown()) })) })),
  drift: z.object({
    contradicted: z.array(z.object({ kind: z.string(), severity: z.enum(['error', 'warning', 'info']), sites: z.array(site), rule: z.unknown(), fingerprint: z.string(), firstSeen: first })),
    undocumented: z.array(z.object({ outer: z.string(), inner: z.string(), sites: z.number().int().positive(), example: site, fingerprint: z.string(), firstSeen: first })),
    leaf: z.array(z.object({ lock: z.string(), inside: z.array(z.object({ lock: z.string(), sites: z.number(), example: site })).min(1) })),
    stale: z.array(z.object({ lock: z.string() })),
    document: z.array(z.object({ kind: z.string(), message: z.string() })),
  }),
  since: z.object({ new: z.array(z.object({ section: z.enum(DRIFT_SECTIONS as [string, ...string[]]), fingerprint: z.string(), title: z.string() })), fixed: z.array(z.object({ section: z.string(), fingerprint: z.string(), title: z.string() })) }),
  trend: z.array(z.object({ week: z.string().regex(/^\d{4}-W\d{2}$/), commit: z.string().nullable(), counts: z.object(Object.fromEntries(DRIFT_SECTIONS.map((s) => [s, z.number().int().nonnegative()]))) })),
  notes: z.array(z.string()),
});

const parseMd = (md: string): Root => unified().use(remarkParse).use(remarkGfm).parse(md) as Root;
const textOf = (n: RootContent): string => ('value' in n ? String(n.value) : 'children' in n ? (n.children as RootContent[]).map(textOf).join('') : '');

describe('digest formats', () => {
  it('json matches the contract, summary first', async () => {
    const json = (await DIGEST_FORMATS.find((f) => f.name === 'json')?.load())?.renderDigest(d, {});
    const parsed: unknown = JSON.parse(json ?? '');
    expect(CONTRACT.safeParse(parsed).error).toBeUndefined();
    expect(Object.keys(parsed as object)[0]).toBe('summary');
    expect(d.document[0]?.changes.length).toBeGreaterThan(0);
  });

  it('markdown parses: the marker, the sections, a mermaid xychart with one line per section, the table under it', () => {
    const md = renderDigestMarkdown(d);
    expect(md.startsWith(weekMarker(d.trend.at(-1)?.week ?? ''))).toBe(true);
    const tree = parseMd(md);
    const headings = tree.children.filter((n): n is Heading => n.type === 'heading').map(textOf);
    expect(headings).toEqual(expect.arrayContaining(['The document this week', 'The code this week', "Since the window's start", 'Trend, 6 weeks']));
    expect(headings.some((x) => x.startsWith('Orders the code relies on that nobody wrote down ('))).toBe(true);
    const chart = tree.children.find((n): n is Code => n.type === 'code' && n.lang === 'mermaid');
    expect(chart?.value.split('\n')[0]).toBe('xychart-beta');
    expect(chart?.value).toContain(`x-axis [${d.trend.map((t) => `"${t.week}"`).join(', ')}]`);
    expect(chart?.value.match(/^\s+line \[/gm)).toHaveLength(DRIFT_SECTIONS.length);
    const table = tree.children.find((n): n is Table => n.type === 'table');
    expect(table?.children).toHaveLength(d.trend.length + 1);
    expect(md).toContain('vcpu->mutex -> kvm->slots_lock');
  });

  it('email is one mail git reads (mailinfo) and a mail client parses, wrapped at 72 columns', async () => {
    const mail = renderDigestEmail(d, { from: 'Digest Bot <bot@example.org>', to: 'kvm@vger.kernel.org' });
    expect(mail.startsWith('From ')).toBe(true);
    const parsed = await PostalMime.parse(mail.slice(mail.indexOf('\n') + 1));
    expect(parsed.subject).toMatch(/locking\.rst drift digest, \d{4}-W\d{2}/);
    expect(parsed.from?.address).toBe('bot@example.org');
    expect(parsed.to?.[0]?.address).toBe('kvm@vger.kernel.org');
    const body = parsed.text ?? '';
    expect(body).toContain('The document this week');
    for (const line of body.split('\n')) {
      const long = line.length > EMAIL_WIDTH;
      // Only a quoted line, a URL or one word longer than the line may pass 72.
      if (long) expect(line.startsWith('>') || /https?:\/\//.test(line) || !/\S\s+\S/.test(line.trim())).toBe(true);
    }
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-mailinfo-'));
    // git reads it as one mail (git send-email splits its input the same way).
    writeFileSync(join(dir, 'digest.mbox'), mail);
    mkdirSync(join(dir, 'split'));
    expect(execFileSync('git', ['mailsplit', `-o${join(dir, 'split')}`, join(dir, 'digest.mbox')], { encoding: 'utf8' }).trim()).toBe('1');
    const info = execFileSync('git', ['mailinfo', join(dir, 'msg'), join(dir, 'patch')], { input: mail, encoding: 'utf8' });
    expect(info).toMatch(/^Author: Digest Bot$/m);
    expect(info).toMatch(/^Subject: .*drift digest/m);
  });

  it('html is one page with the trend as inline SVG, no script, no external asset', () => {
    const html = renderDigestHtml(d);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<svg');
    expect(html.match(/<polyline /g)).toHaveLength(DRIFT_SECTIONS.length);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=/i);
    expect(html.replace('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
  });

  it('text has every section', () => {
    const text = renderDigestText(d);
    for (const t of ['The document this week', 'The code this week', 'Drift now', 'Trend, 6 weeks']) expect(text).toContain(t);
  });

  it('what strangers wrote stays inert in every format', () => {
    const evil = '<img src=x onerror=alert(1)> @maintainer #12 \u202e\x1b[2J';
    const doc = d.document[0];
    if (!doc) throw new Error('the window has a document commit');
    const bad: Digest = { ...d, document: [{ ...doc, subject: evil, author: evil }] };
    const html = renderDigestHtml(bad);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img');
    const md = renderDigestMarkdown(bad);
    expect(md).not.toMatch(/@maintainer/);
    // Escaped by remark: the only HTML in the page is the week marker.
    const html0: string[] = [];
    const walk = (n: RootContent | Root): void => {
      if (n.type === 'html') html0.push(n.value);
      if ('children' in n) for (const c of n.children) walk(c);
    };
    walk(parseMd(md));
    expect(html0).toEqual([weekMarker(d.trend.at(-1)?.week ?? '')]);
    for (const out of [renderDigestText(bad), renderDigestEmail(bad), md]) {
      expect(out).not.toContain('\u202e');
      expect(out).not.toContain('\x1b');
    }
  });
});
