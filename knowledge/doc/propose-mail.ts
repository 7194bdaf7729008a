/**
 * The proposal as a `git format-patch` mail: `git am` applies it to the
 * tree it was made from. The message says which order, how many sites rely
 * on it, and draws two or three of their call chains the way the 2026
 * vcpu->mutex / kvm->slots_lock commit draws them:
 *
 *   f()
 *   |
 *   -> g()
 *      |
 *      -> h()
 */
import { createHash } from 'node:crypto';
import { structuredPatch } from 'diff';
import { listed } from '../../analyzers/counted.js';
import { ruleArchs, SRCU, spelledLocks, type Candidate, type ProposalSite, type RuleNames } from './propose.js';

export const DOC_PATH = 'Documentation/virt/kvm/locking.rst';
/** Commit messages are read in 80-column terminals with git log's indent: 72 columns. */
const WIDTH = 72;
/** RFC 5322 §2.1.1: header lines SHOULD be no more than 78 characters. */
const HEADER_WIDTH = 78;
const DEFAULT_FROM = 'kvm-review <kvm-review@localhost>';

export interface MailOptions {
  /** `NAME <EMAIL>` (see parseIdentity) for From: and a Signed-off-by: trailer; without it no trailer is written. */
  signoff?: string;
  /** Optional: Date: of the mail; default now. */
  date?: Date;
}

function wrap(text: string, width = WIDTH): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

/** One site's chain, drawn as a call tree. */
export function drawChain(site: ProposalSite): string[] {
  const names = [site.function, ...site.chain.map((c) => c.function)].filter((n, i, all) => i === 0 || n !== all[i - 1]);
  const out: string[] = [];
  names.forEach((name, depth) => {
    const fn = name.endsWith(')') ? name : `${name}()`;
    if (depth === 0) {
      out.push(`  ${fn}`);
      return;
    }
    const pad = `  ${' '.repeat(3 * (depth - 1))}`;
    out.push(`${pad}|`, `${pad}-> ${fn}`);
  });
  return out;
}

/** Two or three chains: one per architecture first, then the shortest others, never the same chain twice. */
export function pickChains(sites: readonly ProposalSite[], max = 3): ProposalSite[] {
  const key = (s: ProposalSite): string => [s.function, ...s.chain.map((c) => c.function)].join('>');
  const arch = (s: ProposalSite): string => [s.file, ...s.chain.map((c) => c.file)].map((f) => /^arch\/([^/]+)\//.exec(f)?.[1]).find(Boolean) ?? '';
  const sorted = [...sites].sort((a, b) => a.chain.length - b.chain.length);
  const out: ProposalSite[] = [];
  const keys = new Set<string>();
  const archs = new Set<string>();
  for (const pass of [0, 1]) {
    for (const s of sorted) {
      if (out.length >= max || keys.has(key(s)) || (pass === 0 && archs.has(arch(s)))) continue;
      out.push(s);
      keys.add(key(s));
      archs.add(arch(s));
    }
  }
  return out;
}

function blob(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex').slice(0, 12);
}

function header(name: string, value: string): string {
  const out = wrap(`${name}: ${value}`, HEADER_WIDTH);
  return out.join('\n ');
}

/** An identity `NAME <EMAIL>`, as a Signed-off-by: trailer and git's From: want it. */
export interface Identity {
  name: string;
  email: string;
}

/**
 * `NAME <EMAIL>` read strictly: one name (no angle brackets, no control
 * characters, no line break that would start another header) and one
 * address with a local part and a domain. A message saying what is wrong
 * when it is not.
 */
export function parseIdentity(text: string): Identity | string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return 'contains a line break or control character (the trailer and From: are one line each)';
  const m = /^\s*([^<>]*?)\s*<([^<>\s]*)>\s*$/.exec(text);
  if (!m) return 'expected NAME <EMAIL>, e.g. "Sean Christopherson <seanjc@google.com>"';
  const [, name = '', email = ''] = m;
  if (!name) return 'no name before <EMAIL>';
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return `<${email}> is not an e-mail address`;
  return { name, email };
}

/** RFC 2047 encoded-word for a non-ASCII display name (as git format-patch writes it: UTF-8, Q encoding). */
function encodedWord(text: string): string {
  const q = [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9!*+\-/]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  return `=?UTF-8?q?${q}?=`;
}

/** The From: value: the name encoded when it is not ASCII, quoted when it holds an RFC 5322 special ("Sean J. Christopherson"). */
function fromValue(id: Identity): string {
  // eslint-disable-next-line no-control-regex
  if (/[^\u0000-\u007f]/.test(id.name)) return `${encodedWord(id.name)} <${id.email}>`;
  if (/[()<>[\]:;@\\,."]/.test(id.name)) return `"${id.name.replace(/(["\\])/g, '\\$1')}" <${id.email}>`;
  return `${id.name} <${id.email}>`;
}

/** The commit message body (without trailers); the locks named as the diff names them (`names`, default their class names). */
export function commitMessage(c: Candidate, names: RuleNames = c): { subject: string; body: string[] } {
  const { outer, inner } = names;
  const n = c.count ?? c.sites.length;
  // "on x86", "on x86 and arm64": the builds the rule is for, as its heading names them.
  const archs = ruleArchs(c);
  const scope = archs ? ` on ${listed(archs)}` : '';
  // X -> kvm->srcu is synchronize_srcu() called while X is held, not a lock taken: said the way the SRCU rules say it.
  const srcu = c.inner === SRCU;
  const subject = srcu
    ? `Documentation: KVM: Document calling synchronize_srcu() inside ${outer}`
    : `Documentation: KVM: Document taking ${outer} outside ${inner}`;
  const what = srcu
    ? `synchronize_srcu(&kvm->srcu) is called inside critical sections for ${outer}${scope}, so ${outer} cannot be taken inside a kvm->srcu read-side critical section`
    : `${outer} is taken outside ${inner}${scope}`;
  const chains = pickChains(c.sites);
  // The chains are examples when there are sites they do not draw; every site drawn is the evidence itself.
  const examples = c.atLeast || n > chains.length;
  const body = wrap(
    `Document that ${what}. The code already relies on this order at ${n} site${n === 1 ? '' : 's'}${c.atLeast ? ' or more' : ''}, ` +
      `and no documented rule ${srcu ? 'says' : 'orders the two locks'} either way${examples ? ', e.g.' : ':'}`,
  );
  chains.forEach((s, i) => {
    body.push('', ...drawChain(s));
    if (i < chains.length - 1) body.push('', i === 0 ? 'and' : 'or');
  });
  const inside = srcu ? `${outer} inside a kvm->srcu read-side critical section` : `${outer} inside ${inner}`;
  const against = c.against
    ? `${c.against} site${c.against === 1 ? ' takes' : 's take'} ${inside}: they break the new rule and need a look.`
    : `No site takes ${inside}, and the rule closes no cycle in the documented order.`;
  body.push('', ...wrap(against));
  return { subject, body };
}

/** The whole mail: headers, message, diffstat and the diff of locking.rst alone. */
export function formatPatch(before: string, after: string, c: Candidate, opts: MailOptions = {}): string {
  const { subject, body } = commitMessage(c, spelledLocks(before, c));
  const date = opts.date ?? new Date();
  const patch = structuredPatch(`a/${DOC_PATH}`, `b/${DOC_PATH}`, before, after, '', '', { context: 3 });
  const added = patch.hunks.reduce((n, h) => n + h.lines.filter((l) => l.startsWith('+')).length, 0);
  const removed = patch.hunks.reduce((n, h) => n + h.lines.filter((l) => l.startsWith('-')).length, 0);
  const hunks = patch.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
  const stat = `${'+'.repeat(added)}${'-'.repeat(removed)}`;
  const changes = [`${added} insertion${added === 1 ? '' : 's'}(+)`, ...(removed ? [`${removed} deletion${removed === 1 ? '' : 's'}(-)`] : [])].join(', ');
  const id = opts.signoff === undefined ? null : parseIdentity(opts.signoff);
  if (typeof id === 'string') throw new Error(`--signoff "${opts.signoff}": ${id}`);
  const trailer = id ? [`Signed-off-by: ${id.name} <${id.email}>`] : [];
  // A non-ASCII name or text is 8-bit UTF-8 in the body, said in MIME headers, as git format-patch does.
  // eslint-disable-next-line no-control-regex
  const eightBit = [...body, ...trailer, ...hunks].some((l) => /[^\u0000-\u007f]/.test(l));
  return [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    header('From', id ? fromValue(id) : DEFAULT_FROM),
    header('Date', date.toUTCString().replace(/GMT$/, '+0000')),
    header('Subject', `[PATCH] ${subject}`),
    ...(eightBit ? ['MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: 8bit'] : []),
    '',
    ...body,
    '',
    ...trailer,
    '---',
    ` ${DOC_PATH} | ${added + removed} ${stat}`,
    ` 1 file changed, ${changes}`,
    '',
    `diff --git a/${DOC_PATH} b/${DOC_PATH}`,
    `index ${blob(before)}..${blob(after)} 100644`,
    `--- a/${DOC_PATH}`,
    `+++ b/${DOC_PATH}`,
    ...hunks,
    '-- ',
    'kvm-review',
    '',
  ].join('\n');
}
