/**
 * The subject parser: `[PATCH RFC v2 3/7] KVM: x86: ...` into revision,
 * counter, flags and title, after b4's LoreSubject. Words inside the
 * leading brackets are read one by one, so their order does not matter:
 * `[RFC PATCH v4 01/39]`, `[PATCH RFC 00/12]`, `[kvm-unit-tests PATCH v2 3/4]`.
 */
import type { SubjectInfo } from './model.js';

/** `Re:`, `RE:`, `Aw:` (German), `Fwd:`, `Fw:`: the subject answers or forwards another. */
const REPLY = /^(?:re|aw|fwd?)\s*(?:\[\d+\])?\s*:\s*/i;

/** The first bracket group and what follows it. */
const BRACKET = /^\[([^\]]*)\]\s*/;

/** A stable-kernel base: `6.6`, `5.10`, `5.15.y`, `6.1-rc3`. Two numbers never form a revision. */
const STABLE = /^\d+\.\d+(?:\.(?:\d+|y))?(?:-rc\d+)?$/i;

/** Parses a subject. Never throws: an unknown shape is a non-patch with its whole text as title. */
export function parseSubject(subject: string): SubjectInfo {
  const info: SubjectInfo = {
    subject,
    title: '',
    reply: false,
    isPatch: false,
    version: 1,
    index: null,
    total: null,
    rfc: false,
    resend: false,
    backport: null,
    tags: [],
  };
  let rest = subject.replace(/\s+/g, ' ').trim();
  // Prefixes come in any order: `[kvmarm] Re: [PATCH]`, `Re: Re: [PATCH]`.
  for (;;) {
    const re = REPLY.exec(rest);
    if (re) {
      info.reply = true;
      rest = rest.slice(re[0].length);
      continue;
    }
    const bracket = BRACKET.exec(rest);
    if (!bracket) break;
    readBracket(bracket[1] ?? '', info);
    rest = rest.slice(bracket[0].length);
  }
  info.title = rest;
  return info;
}

/** Reads the words of one bracket group into `info`. */
function readBracket(text: string, info: SubjectInfo): void {
  for (const raw of text.split(/[\s,;]+/)) {
    const word = raw.trim();
    if (word === '') continue;
    const counter = /^(\d{1,4})\/(\d{1,4})$/.exec(word);
    // Four digits, like the counter: `v99999999999999999999` is no revision anyone sent, and
    // Number() of it is not a safe integer, so it stays a tag rather than becoming version 1e20.
    const version = /^(?:patch-?)?v(\d{1,4})$/i.exec(word);
    if (counter) {
      info.index = Number(counter[1]);
      info.total = Number(counter[2]);
      info.isPatch = true;
    } else if (version) {
      // Only patches carry a revision, with or without the word PATCH (`[v2 3/6]`).
      info.version = Number(version[1]);
      info.isPatch = true;
    } else if (/^patch$/i.test(word)) {
      info.isPatch = true;
    } else if (/^rfc$/i.test(word)) {
      info.rfc = true;
    } else if (/^resend$/i.test(word)) {
      info.resend = true;
    } else if (STABLE.test(word)) {
      info.backport = word;
    } else {
      info.tags.push(word);
    }
  }
}

/** The slot a patch subject names: k of k/M, 1 for a lone `[PATCH]`. */
export function slotOf(info: SubjectInfo): number {
  return info.index ?? 1;
}

/** The expected count a patch subject names: M of k/M, 1 for a lone `[PATCH]`. */
export function expectedOf(info: SubjectInfo): number {
  return info.total ?? 1;
}

/** A short label for messages: `v2 3/7`, `RFC v1 0/2`, `6.6 backport 413/538`. */
export function subjectLabel(info: SubjectInfo): string {
  const parts = [info.rfc ? 'RFC' : '', info.backport ? `${info.backport} backport` : `v${info.version}`];
  if (info.index !== null && info.total !== null) parts.push(`${info.index}/${info.total}`);
  return parts.filter((p) => p !== '').join(' ');
}
