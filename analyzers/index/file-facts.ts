/**
 * One file's lock facts from its parse: the held-lock walk of every
 * function with the struct types its arch sees. Pure work on one file, so
 * the index runs it in-process or in a worker thread (index-worker.ts)
 * with identical results.
 */
import { localDeclarations } from '../c/functions.js';
import type { CFunction, StructTypes } from '../c/model.js';
import type { ParsedFile } from '../c/parse-file.js';
import { archOf, memberType, mergeStructTypes } from '../c/struct-types.js';
import type { TypeEnv } from '../locks/lock-class.js';
import type { FunctionFacts } from '../locks/model.js';
import { walkFunction } from '../locks/walk.js';
import type { FileFacts } from './index-tree.js';
import { structsToJson } from './cached-structs.js';

/** A type environment for one function: its parameters and locals, and struct members as its arch sees them. */
export function typeEnv(fn: CFunction, types: StructTypes, local: StructTypes | null): TypeEnv {
  const vars = new Map<string, string>();
  for (const p of fn.params) vars.set(p.name, p.type);
  for (const d of localDeclarations(fn.body)) if (!vars.has(d.name)) vars.set(d.name, d.type);
  const arch = archOf(fn.file);
  return {
    vars,
    memberType: (struct, member) => (local && memberType(local, struct, member, arch)) ?? memberType(types, struct, member, arch),
  };
}

/** `known`: facts the walk would give some functions (reuse-facts.ts), used instead of walking them. */
export function factsOf(parsed: ParsedFile, types: StructTypes, bytes: number, known?: ReadonlyMap<CFunction, FunctionFacts>): FileFacts {
  const local = parsed.structs.length ? mergeStructTypes(parsed.structs) : null;
  const walked = parsed.functions.map((fn) => known?.get(fn) ?? walkFunction(fn, typeEnv(fn, types, local)));
  // A function the walk gave up on (nesting past its limit) is reported as skipped, never as clean and lock-free.
  const notAnalysed = walked.filter((f) => f.notAnalysed !== undefined);
  return {
    file: parsed.file,
    arch: archOf(parsed.file),
    bytes,
    functions: walked.filter((f) => f.notAnalysed === undefined),
    clean: parsed.stats.clean - notAnalysed.filter((f) => !f.damaged).length,
    damaged: parsed.stats.damaged - notAnalysed.filter((f) => f.damaged).length,
    skipped: [...parsed.stats.skipped, ...notAnalysed.map((f) => ({ name: f.name, line: f.line, reason: `not analysed: ${f.notAnalysed ?? ''}` }))],
    ops: parsed.ops,
    structs: structsToJson(parsed.structs),
  };
}
