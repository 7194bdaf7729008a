/**
 * Mutations of real text for the fuzz suite, as fast-check arbitraries: what
 * a mangling mailer, a truncated download, a careless hand edit or a hostile
 * sender does to a mail, a diff or locking.rst. Each mutation is data (so
 * fast-check can shrink it and print it) applied by `mutate`.
 */
import fc from 'fast-check';

/** Lines that mean something to a mail, diff or reST reader, dropped in anywhere. */
const NASTY_LINES = [
  'From MAILER-DAEMON Thu Jan  1 00:00:00 1970',
  'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
  'From someone who starts a body line with From',
  '>From quoted',
  'Subject: [PATCH v2 3/2] KVM: beyond the count',
  'Subject: [PATCH 0/0] KVM: nothing',
  'Subject: Re: [PATCH 1/2] KVM: demo: Change 1',
  'Subject: [PATCH v99999999999999999999 1/1] huge version',
  'In-Reply-To: <jane-1@example.org>',
  'References: <a@x> <b@x> <a@x>',
  'Message-ID: <jane-1@example.org>',
  'Content-Type: multipart/mixed; boundary="zz"',
  'Content-Transfer-Encoding: base64',
  'Content-Transfer-Encoding: quoted-printable',
  'Content-Type: text/plain; charset=utf-8; format=flowed',
  '--zz',
  '=?utf-8?b?W1BBVENIXSDinYzinYw=?=',
  '---',
  '-- ',
  'diff --git a/virt/kvm/kvm_main.c b/virt/kvm/kvm_main.c',
  'diff --git a/../../etc/passwd b/../../etc/passwd',
  'diff --git a//etc/shadow b//etc/shadow',
  'diff --git a/virt\\kvm\\kvm_main.c b/virt\\kvm\\kvm_main.c',
  '--- a/./virt/kvm//kvm_main.c',
  '+++ b/virt/kvm/../kvm/kvm_main.c',
  '--- /dev/null',
  '+++ /dev/null',
  'new file mode 100644',
  'deleted file mode 100644',
  'rename from virt/kvm/kvm_main.c',
  'rename to ../outside.c',
  'similarity index 100%',
  'index 0000000..1111111 100644',
  'GIT binary patch',
  'literal 18',
  'Binary files a/virt/kvm/kvm_main.c and b/virt/kvm/kvm_main.c differ',
  '@@ -1 +1 @@',
  '@@ -0,0 +1,99999999 @@',
  '@@ -4294967296,1 +4294967296,1 @@',
  '@@@ -1,1 -1,1 +1,1 @@@',
  '\\ No newline at end of file',
  '+\tmutex_lock(&kvm->slots_lock);',
  '+\tmutex_lock(&kvm->lock);',
  '+\tsynchronize_srcu(&kvm->srcu);',
  '-\tmutex_unlock(&vcpu->mutex);',
  '+' + '{'.repeat(2000),
  ' ' + '}'.repeat(2000),
  '- kvm->lock is taken outside kvm->lock',
  '- kvm->slots_lock is taken outside kvm->lock',
  '- kvm->srcu is taken outside kvm->lock2',
  ':Type:\t\tmutex',
  ':Arch:\t\tx86',
  ':Protects:\t- everything',
  '.. code-block:: c',
  '=====================',
  'x'.repeat(70_000),
  '\u0000',
  '\u001b[2J\u001b[H',
  '\u202e\u2066 bidi',
  '\uFEFFbom',
];

/** Single characters that change how a line reads. */
const NASTY_CHARS = ['\n', '\r', '\t', ' ', '\\', '/', '.', '@', '-', '+', '>', ':', '<', '[', ']', '=', '\u0000', '\u00e9', '\uFFFD', '\u2028', '0', '9'];

export type Mutation =
  | { op: 'delete'; at: number; count: number }
  | { op: 'duplicate'; at: number; count: number }
  | { op: 'swap'; at: number; other: number }
  | { op: 'insert'; at: number; line: number }
  | { op: 'char'; at: number; char: number }
  | { op: 'truncate'; at: number }
  | { op: 'hunk'; which: number; value: number }
  | { op: 'crlf' }
  | { op: 'path'; which: number; style: number }
  | { op: 'subject'; style: number }
  | { op: 'thread'; which: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), line: fc.nat() }),
  fc.record({ op: fc.constant('char' as const), at: fc.nat(), char: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('hunk' as const), which: fc.nat(), value: fc.oneof(fc.nat({ max: 50 }), fc.constantFrom(0, 99_999_999, 2 ** 31, 2 ** 53)) }),
  fc.record({ op: fc.constant('crlf' as const) }),
  fc.record({ op: fc.constant('path' as const), which: fc.nat(), style: fc.nat() }),
  fc.record({ op: fc.constant('subject' as const), style: fc.nat() }),
  fc.record({ op: fc.constant('thread' as const), which: fc.nat() }),
);

/** One to four mutations. */
export const mutations: fc.Arbitrary<Mutation[]> = fc.array(mutation, { minLength: 1, maxLength: 4 });

const PATH_STYLES = [(p: string) => `./${p}`, (p: string) => p.replace('/', '//'), (p: string) => `${p.split('/')[0] ?? ''}/../${p}`, (p: string) => p.replace(/\//g, '\\'), (p: string) => `../${p}`, (p: string) => `/${p}`];

const SUBJECTS = ['[PATCH v2 1/2] ', '[RFC PATCH 2/2] ', 'Re: ', '', '[PATCH 3/2] ', '[PATCH 00/02] ', '[GIT PULL] ', '[PATCH 6.6 1/1] ', 'Fwd: [PATCH] '];

function pick<T>(list: readonly T[], n: number): T {
  return list[n % list.length] as T;
}

/** Applies `muts` in order to `text`. */
export function mutate(text: string, muts: readonly Mutation[]): string {
  let s = text;
  for (const m of muts) s = apply(s, m);
  return s;
}

function apply(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const at = (n: number): number => (lines.length === 0 ? 0 : n % lines.length);
  switch (m.op) {
    case 'delete':
      lines.splice(at(m.at), m.count);
      return lines.join('\n');
    case 'duplicate': {
      const i = at(m.at);
      lines.splice(i, 0, ...lines.slice(i, i + m.count));
      return lines.join('\n');
    }
    case 'swap': {
      const i = at(m.at);
      const j = at(m.other);
      const a = lines[i] ?? '';
      lines[i] = lines[j] ?? '';
      lines[j] = a;
      return lines.join('\n');
    }
    case 'insert':
      lines.splice(at(m.at), 0, pick(NASTY_LINES, m.line));
      return lines.join('\n');
    case 'char': {
      if (text.length === 0) return pick(NASTY_CHARS, m.char);
      const i = m.at % text.length;
      return text.slice(0, i) + pick(NASTY_CHARS, m.char) + text.slice(i + 1);
    }
    case 'truncate':
      return text.slice(0, text.length === 0 ? 0 : m.at % text.length);
    case 'hunk': {
      const headers = lines.flatMap((l, i) => (/^@@ /.test(l) ? [i] : []));
      if (headers.length === 0) return text;
      const i = pick(headers, m.which);
      let k = 0;
      const target = m.which % 4;
      lines[i] = (lines[i] ?? '').replace(/\d+/g, (d) => (k++ === target ? String(m.value) : d));
      return lines.join('\n');
    }
    case 'crlf':
      return text.replace(/\r?\n/g, '\r\n');
    case 'path': {
      const found = [...text.matchAll(/\b(?:virt|arch|include|Documentation)\/[\w./-]+/g)];
      const hit = found.length === 0 ? undefined : pick(found, m.which);
      if (!hit || hit.index === undefined) return text;
      return text.slice(0, hit.index) + pick(PATH_STYLES, m.style)(hit[0]) + text.slice(hit.index + hit[0].length);
    }
    case 'subject': {
      const i = lines.findIndex((l) => /^Subject: /i.test(l));
      if (i < 0) return text;
      lines[i] = `Subject: ${pick(SUBJECTS, m.style)}${(lines[i] ?? '').replace(/^Subject:\s*(?:(?:Re|Fwd):\s*)*(?:\[[^\]]*\]\s*)*/i, '')}`;
      return lines.join('\n');
    }
    case 'thread': {
      const i = lines.findIndex((l) => /^(?:Message-ID|In-Reply-To|References): /i.test(l));
      if (i < 0) return text;
      // Drop a thread header, or point it at itself or at a message of another thread.
      const choice = m.which % 3;
      if (choice === 0) lines.splice(i, 1);
      else lines[i] = (lines[i] ?? '').replace(/<[^>]*>/, choice === 1 ? '<jane-0@example.org>' : '<elsewhere@example.net>');
      return lines.join('\n');
    }
  }
}
