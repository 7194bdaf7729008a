/**
 * What the reader doubted about a patch's mail reaches the review and every
 * format: David Woodhouse's 2022 Xen series from the corpus, its patch 3
 * mangled here as mail gets mangled (a Latin-1 byte in a UTF-8 diff,
 * format=flowed, the diff as an attachment, a Date that does not parse, no
 * subject).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import type { Rendered, RenderOptions } from '../../bot/render/model.js';
import { loadRenderer } from '../../bot/render/registry.js';
import { reviewJson } from '../fuzz/invariants.js';
import { fixtureResult } from '../render/helpers.js';
import { kernelTree, SHARED } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const XEN = join(SHARED, 'corpus', 'lore', 'kvm', 'xen-srcu-rcu-evtchn-series.mbx');
const SEPARATOR = /^(?=From MAILER-DAEMON Thu Jan {2}1 00:00:00 1970$)/m;
const dir = mkdtempSync(join(tmpdir(), 'kvm-review-warnings-'));
const cache = { dir: join(dir, 'cache') };
const OPTIONS: RenderOptions = { failOn: 'error', toolVersion: '0.1.0', date: new Date('2026-03-03T10:20:30Z') };

/** The series' messages as bytes (latin1 keeps every byte), each with its separator line. */
function xenMessages(): string[] {
  return readFileSync(XEN, 'latin1').split(SEPARATOR).filter((m) => m.trim() !== '');
}

/** `m` with header `name` set to `value` (folded lines included), or removed when null; added before the body when absent. */
function setHeader(m: string, name: string, value: string | null): string {
  const cut = m.indexOf('\n\n');
  const lines = m.slice(0, cut).split('\n');
  const out: string[] = [];
  let skipping = false;
  let done = false;
  for (const l of lines) {
    if (skipping && /^[ \t]/.test(l)) continue;
    skipping = l.toLowerCase().startsWith(`${name.toLowerCase()}:`);
    if (!skipping) out.push(l);
    else if (value !== null && !done) {
      out.push(`${name}: ${value}`);
      done = true;
    }
  }
  if (value !== null && !done) out.push(`${name}: ${value}`);
  return `${out.join('\n')}${m.slice(cut)}`;
}

function replaceOnce(s: string, from: string, to: string): string {
  if (!s.includes(from)) throw new Error(`the corpus message no longer holds ${JSON.stringify(from)}`);
  return s.replace(from, to);
}

/** Patch 3's diff in a text/x-patch attachment, the description in the first part. */
function asAttachment(m: string): string {
  const cut = m.indexOf('\n\n');
  const body = m.slice(cut + 2);
  const at = body.indexOf('\n---\n');
  const head = setHeader(setHeader(m.slice(0, cut + 2), 'Content-Type', 'multipart/mixed; boundary="BND"'), 'Content-Transfer-Encoding', null);
  return [
    head.replace(/\n+$/, '\n'),
    '--BND',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body.slice(0, at),
    '',
    '--BND',
    'Content-Type: text/x-patch; charset=utf-8',
    'Content-Disposition: attachment; filename="0003.patch"',
    '',
    body.slice(at + 1),
    '--BND--',
    '',
  ].join('\n');
}

/** The series with message 3 (patch 3/6) passed through `mangle`, written as bytes. */
function mangled(name: string, mangle: (m: string) => string, only = false): string {
  const ms = xenMessages();
  const three = ms[2];
  if (!three?.includes('Subject: [PATCH 3/6]')) throw new Error(`${XEN}: the third message is not patch 3/6`);
  ms[2] = mangle(three);
  const path = join(dir, `${name}.mbx`);
  writeFileSync(path, (only ? [ms[2]] : ms).join(''), 'latin1');
  return path;
}

async function render(format: string, result: ReviewResult): Promise<string> {
  const renderer = await loadRenderer(format, 'review');
  if (!renderer) throw new Error(format);
  return renderer.render({ type: 'review', result } as Rendered, OPTIONS).output;
}

interface SarifNotification {
  level: string;
  message: { text: string };
}

function sarifNotes(text: string): SarifNotification[] {
  const log = JSON.parse(text) as { runs: { invocations: { toolExecutionNotifications?: SarifNotification[] }[] }[] };
  return log.runs[0]?.invocations[0]?.toolExecutionNotifications ?? [];
}

describe('a Latin-1 byte in the diff of a mail that says UTF-8, against 6.1 (the reported case)', () => {
  let json: ReviewResult;
  let code: number;
  beforeAll(async () => {
    const input = mangled('badutf8-diff', (m) => replaceOnce(setHeader(m, 'Content-Type', 'text/plain; charset=utf-8'), '/* Protect writes to evtchnfd', '/* Prot\xe9ct writes to evtchnfd'));
    const cli = await runCli(['mbox', input, '--tree', kernelTree('6.1'), '--cache-dir', cache.dir, '--format', 'json'], dir);
    code = cli.code;
    json = JSON.parse(cli.stdout) as ReviewResult;
    reviewJson.parse(json);
  });

  it('patch 3 is reviewed with the U+FFFD in its added line, and says so in its warnings', () => {
    const p = json.patches.find((x) => x.index === 3);
    expect(p?.status).toBe('reviewed');
    const added = (p?.files ?? []).flatMap((f) => f.hunks.flatMap((h) => h.lines)).filter((l) => l.type === 'add');
    expect(added.some((l) => l.content.includes('Prot\ufffdct writes to evtchnfd'))).toBe(true);
    expect(p?.warnings).toEqual(['1 character of the body is not valid in its declared charset and read as U+FFFD']);
  });

  it('the other patches were read cleanly: no warnings', () => {
    expect(json.patches.filter((p) => p.index !== 3).map((p) => p.warnings)).toEqual([[], [], [], [], []]);
  });

  it('exits 1 for the SRCU violation of patch 3, the bug of that thread, not for the byte', () => {
    // kvm_xen_hcall_evtchn_send(), on a line patch 3 rewrites, reaches kvm_xen_set_evtchn()'s kvm->lock
    // from the hypercall exit, inside vcpu_enter_guest()'s kvm->srcu reader.
    expect(json.patches.map((p) => p.findings.filter((f) => f.severity === 'error').map((f) => `${p.index} ${f.kind}`)).flat()).toEqual(['3 srcu-violation']);
    expect(code).toBe(1);
  });
});

describe('every way patch 3 can be read with a doubt, in every format (hunk-only)', () => {
  const cases: { name: string; input: () => string; warning: RegExp; status: string }[] = [
    { name: 'format=flowed', input: () => mangled('flowed', (m) => setHeader(m, 'Content-Type', 'text/plain; charset=utf-8; format=flowed')), warning: /^sent as format=flowed: .*the diff may be damaged$/, status: 'failed' },
    { name: 'the diff as an attachment', input: () => mangled('attach', asAttachment), warning: /^the diff is in the attachment 0003\.patch; /, status: 'reviewed' },
    { name: 'a Date that does not parse', input: () => mangled('date', (m) => setHeader(m, 'Date', 'the day after Boxing Day')), warning: /^the Date header does not parse: the day after Boxing Day$/, status: 'reviewed' },
    { name: 'no subject (alone)', input: () => mangled('no-subject', (m) => setHeader(m, 'Subject', null), true), warning: /^no \[PATCH\] tag in the subject; /, status: 'reviewed' },
  ];

  for (const c of cases) {
    describe(c.name, () => {
      let r: ReviewResult;
      let warning: string;
      beforeAll(async () => {
        r = await review({ input: c.input(), tree: null, cache });
        const p = r.patches.find((x) => x.warnings.length > 0);
        warning = p?.warnings.find((w) => c.warning.test(w)) ?? '';
      });

      it('is in the patch\'s warnings, and the JSON contract holds', async () => {
        const p = r.patches.find((x) => x.index === (r.patches.length === 1 ? 1 : 3));
        expect(p?.status).toBe(c.status);
        expect(p?.warnings).toContainEqual(expect.stringMatching(c.warning));
        const json = reviewJson.parse(JSON.parse(await render('json', r)));
        expect(json.patches.find((x) => x.index === p?.index)?.warnings).toEqual(p?.warnings);
      });

      it('text and markdown show it under the patch', async () => {
        const text = await render('text', r);
        const block = text.slice(text.indexOf(r.patches.length === 1 ? '[PATCH 1/' : '[PATCH 3/6]'));
        expect(block.split('\n\n')[0]).toContain(`  input warning: ${warning}`);
        const md = await render('markdown', r);
        const section = md.slice(md.indexOf(r.patches.length === 1 ? '### 1/' : '### 3/6')).split('\n### ')[0] ?? '';
        expect(section).toMatch(/^\*\*Input warning:\*\*$/m);
        // remark escapes some punctuation of text nodes; the words are the warning's.
        expect(section.replace(/\\/g, '')).toContain(`- ${warning}`);
      });

      it('SARIF: a warning-level tool execution notification naming the patch', async () => {
        const notes = sarifNotes(await render('sarif', r)).filter((n) => n.level === 'warning');
        // sarifText() escapes the brackets a viewer could read as a link.
        expect(notes.map((n) => n.message.text.replace(/\\/g, ''))).toContain(`patch ${r.patches.length === 1 ? 1 : 3}, as read: ${warning}`);
      });
    });
  }
});

describe('the hand-made demo series (JSON saved before warnings existed)', () => {
  it('renders in every format without them', async () => {
    const r = fixtureResult('demo-series');
    expect(r.patches.some((p) => 'warnings' in p)).toBe(false);
    for (const format of ['text', 'markdown', 'email', 'sarif']) expect(await render(format, r)).not.toMatch(/input warning|as read:|as this mail was read/i);
  });

  it('a warning on a patch with findings: the email reply tells its author', async () => {
    const r = fixtureResult('demo-series');
    const p = r.patches[0];
    if (!p) throw new Error('demo-series has no patch 1');
    p.warnings = ['sent as format=flowed: lines ending in a space were joined and leading spaces may be lost, so the diff may be damaged'];
    const mail = (await render('email', r)).replace(/\n(?!\n)/g, ' ');
    expect(mail).toContain('Note: as this mail was read, sent as format=flowed: lines ending in a space were joined and leading spaces may be lost, so the diff may be damaged.');
  });
});
