/**
 * One file's lock facts from its parse: the held-lock walk of every
 * function with the struct types its arch sees. Pure work on one file, so
 * the index runs it in-process or in a worker thread (index-worker.ts)
 * with identical results.
 */
import { forgetLocals } from '../c/declarations.js';
import { forgetDescendants } from '../c/descendants.js';
import { localDeclarations } from '../c/functions.js';
import { bodyTableReader, type COpsEntry } from '../c/ops-tables.js';
import type { CFunction, StructTypes } from '../c/model.js';
import type { ParsedFile } from '../c/parse-file.js';
import { archOf, memberType, mergeStructTypes, structName } from '../c/struct-types.js';
import type { TypeEnv } from '../locks/lock-class.js';
import type { FunctionFacts } from '../locks/model.js';
import { walkFunction } from '../locks/walk.js';
import * as crypto from 'node:crypto';
import type { FileFacts } from './index-tree.js';
import { structsToJson } from './cached-structs.js';

/**
 * A type environment for one function: its parameters and locals, and struct members as its arch
 * sees them. `looked` collects the `struct.member` types the walk asks for: all the walk reads of
 * the struct types, so the function's facts stand while those answers do.
 */
export function typeEnv(fn: CFunction, types: StructTypes, local: StructTypes | null, looked?: Set<string>): TypeEnv {
  const vars = new Map<string, string>();
  for (const p of fn.params) vars.set(p.name, p.type);
  for (const d of localDeclarations(fn.body)) if (!vars.has(d.name)) vars.set(d.name, d.type);
  const arch = archOf(fn.file);
  return {
    vars,
    memberType: (struct, member) => {
      looked?.add(`${structName(struct)}.${member}`);
      return (local && memberType(local, struct, member, arch)) ?? memberType(types, struct, member, arch);
    },
  };
}

/** A function's facts and the `struct.member` types its walk asked for (sorted). */
export interface Walked {
  facts: FunctionFacts;
  lookups: string[];
}

/** The walk of one function, with the member types it asked for. */
export function walkWithLookups(fn: CFunction, types: StructTypes, local: StructTypes | null): Walked {
  const looked = new Set<string>();
  const facts = walkFunction(fn, typeEnv(fn, types, local, looked));
  return { facts, lookups: [...looked].sort() };
}

/** The offset each line (1-based: index `line - 1`) of `text` starts at, and one past the end. */
export function lineStarts(text: string): number[] {
  const out = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) out.push(at + 1);
  out.push(text.length + 1);
  return out;
}

/**
 * Base64 SHA-1 of a text. crypto.hash() (node 20.12) is one call with no Hash object: a third of
 * the cost for the few hundred bytes of a function, digested for each function of each patched file.
 */
const sha1: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha1', text, 'base64') : (text) => crypto.createHash('sha1').update(text).digest('base64');

/**
 * A digest of lines `line`..`endLine` of a pre-blanked text (`starts` its lineStarts()): what a
 * function's walk read of the file, besides its structs. Two equal digests are the same lines.
 */
export function blankDigest(blanked: string, starts: readonly number[], fn: { line: number; endLine: number }): string {
  const text = blanked.slice(starts[fn.line - 1] ?? blanked.length, (starts[fn.endLine] ?? blanked.length + 1) - 1);
  return sha1(text).slice(0, 16);
}

/** `known`: what the walk would give some functions (reuse-facts.ts), used instead of walking them. */
export function factsOf(parsed: ParsedFile, types: StructTypes, bytes: number, known?: ReadonlyMap<CFunction, Walked>): FileFacts {
  const local = parsed.structs.length ? mergeStructTypes(parsed.structs) : null;
  const readTables = bodyTableReader(parsed.file, parsed.fileTables);
  const bodyTables: COpsEntry[] = [];
  const walked = parsed.functions.map((fn) => {
    const w = known?.get(fn) ?? walkWithLookups(fn, types, local);
    bodyTables.push(...readTables(fn));
    // The body's descendants and locals, found once for its walk and its tables, are garbage from
    // here, not live data that each young-generation collection during the rest of the file copies
    // (read for every body before the first walk, they were: a fifth of a cold index's scavenging).
    forgetDescendants(fn.body);
    forgetLocals(fn.body);
    return w;
  });
  // A function the walk gave up on (nesting past its limit) is reported as skipped, never as clean and lock-free.
  const notAnalysed = walked.filter((w) => w.facts.notAnalysed !== undefined).map((w) => w.facts);
  const analysed = walked.filter((w) => w.facts.notAnalysed === undefined);
  const starts = lineStarts(parsed.blanked);
  return {
    file: parsed.file,
    arch: archOf(parsed.file),
    bytes,
    functions: analysed.map((w) => w.facts),
    clean: parsed.stats.clean - notAnalysed.filter((f) => !f.damaged).length,
    damaged: parsed.stats.damaged - notAnalysed.filter((f) => f.damaged).length,
    skipped: [...parsed.stats.skipped, ...notAnalysed.map((f) => ({ name: f.name, line: f.line, reason: `not analysed: ${f.notAnalysed ?? ''}` }))],
    ops: [...parsed.fileTables, ...bodyTables],
    structs: structsToJson(parsed.structs),
    lookups: analysed.map((w) => w.lookups),
    blanks: analysed.map((w) => blankDigest(parsed.blanked, starts, w.facts)),
  };
}
