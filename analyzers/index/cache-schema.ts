/**
 * The shape of what the index cache stores, checked when an entry is read:
 * a cache directory is input like any other (a shared runner, a damaged
 * disk, a hand edit), so an entry is used only when it is what it claims.
 *
 * Written with shape.ts (strict objects, nothing stripped), not zod: the
 * warm path must not pay zod's loading and checking time.
 */
import { s as z } from './shape.js';

export const lockUse = z.object({
  class: z.string(),
  kind: z.string(),
  mode: z.enum(['read', 'write']),
  guessed: z.boolean(),
  expr: z.string(),
});
export const held = lockUse.extend({ line: z.number().int(), viaTry: z.boolean() });
const paramCond = z.object({
  param: z.number().int(),
  op: z.enum(['true', 'false', 'eq', 'ne']),
  value: z.string().optional(),
  fact: z.string().optional(),
});
const argValue = z.union<{ const: string } | { param: number } | null>(z.object({ const: z.string() }), z.object({ param: z.number().int() }), z.null());
// Every field of a site, optional ones included: zod drops keys a schema does
// not name, and a warm run then lost the constant-argument conditions
// (`when`, `args`) and the releasing callees (`after`) a cold run had.
const acquire = z.object({
  lock: lockUse,
  line: z.number().int(),
  op: z.enum(['acquire', 'try', 'sync']),
  held: z.array(held),
  dropped: z.array(z.string()),
  subclass: z.number().int().optional(),
  when: z.array(paramCond).optional(),
  after: z.array(z.string()).optional(),
});
const call = z.object({
  callee: z.string(),
  line: z.number().int(),
  held: z.array(held),
  dropped: z.array(z.string()),
  args: z.array(argValue).optional(),
  when: z.array(paramCond).optional(),
  after: z.array(z.string()).optional(),
});
const fn = z.object({
  name: z.string(),
  file: z.string(),
  line: z.number().int(),
  endLine: z.number().int(),
  static: z.boolean(),
  acquires: z.array(acquire),
  calls: z.array(call),
  requires: z.array(lockUse),
  releasesCallers: z.array(lockUse),
  exitAfter: z.array(z.string()).optional(),
  unresolved: z.array(z.object({ expr: z.string(), line: z.number().int(), reason: z.string() })),
  damaged: z.boolean(),
  notAnalysed: z.string().optional(),
});

export const structsSchema = z.array(
  z.object({
    name: z.string(),
    file: z.string(),
    arch: z.string().nullable(),
    line: z.number().int(),
    members: z.array(z.tuple(z.string(), z.string())),
  }),
);

export const fileFactsSchema = z.object({
  file: z.string(),
  arch: z.string().nullable(),
  bytes: z.number().int().nonnegative(),
  functions: z.array(fn),
  clean: z.number().int().nonnegative(),
  damaged: z.number().int().nonnegative(),
  skipped: z.array(z.object({ name: z.string().nullable(), line: z.number().int(), reason: z.string() })),
  ops: z.array(z.object({ struct: z.string(), field: z.string(), fn: z.string(), file: z.string(), line: z.number().int() })),
  structs: structsSchema,
  lookups: z.array(z.array(z.string())),
  blanks: z.array(z.string()),
});

// Observed edges of one architecture (order/model.ts ObservedEdge), every field named.
const chainStep = z.object({ function: z.string(), file: z.string(), line: z.number().int() });
export const edgeSite = z.object({
  file: z.string(),
  line: z.number().int(),
  function: z.string(),
  chain: z.array(chainStep),
  outerLine: z.number().int(),
  confidence: z.object({
    level: z.enum(['full', 'conditional']),
    calls: z.number().int(),
    indirect: z.array(z.string()),
    assumed: z.array(z.string()),
  }),
});
const observedEdge = z.object({
  outer: z.string(),
  inner: z.string(),
  innerOp: z.enum(['acquire', 'sync']),
  outerUse: held,
  innerUse: lockUse,
  outerViaTry: z.boolean(),
  subclass: z.number().int().optional(),
  count: z.number().int().nonnegative(),
  fullCount: z.number().int().nonnegative(),
  sites: z.array(edgeSite),
});

/** What one architecture's observe step yields (arch-analysis.ts), keyed by the facts it read. */
export const archEdgesSchema = z.object({
  edges: z.array(observedEdge),
  unresolvedCalls: z.number().int().nonnegative(),
  truncatedSummaries: z.number().int().nonnegative(),
  ruledOut: z.record(z.number().int().nonnegative()),
});

/** One tree state as `check` reports it without its facts: per-file counts, the classes the code takes. */
export const auditStateSchema = z.object({
  files: z.array(
    z.object({
      file: z.string(),
      bytes: z.number().int().nonnegative(),
      clean: z.number().int().nonnegative(),
      damaged: z.number().int().nonnegative(),
      skipped: z.array(z.object({ name: z.string().nullable(), line: z.number().int(), reason: z.string() })),
      unresolvedLocks: z.number().int().nonnegative(),
    }),
  ),
  unread: z.array(z.object({ file: z.string(), reason: z.string() })),
  classes: z.array(z.string()),
});

/**
 * Every entry's header: what it belongs to, compared on read, and the
 * sha256 of the value's JSON text as written (cache.ts). The value follows
 * the header in the same JSON object, last.
 */
export const envelopeSchema = z.object({
  format: z.literal(2),
  key: z.string(),
  file: z.string(),
  identity: z.string(),
  sha256: z.string(),
});

/** A whole tree state's facts in one entry (pack.ts): the struct types' key, each header's structs, each file's facts. */
export const packSchema = z.object({
  typesKey: z.string(),
  headers: z.array(z.object({ file: z.string(), identity: z.string(), structs: structsSchema })),
  order: z.array(z.number().int().nonnegative()),
  files: z.array(fileFactsSchema),
});
