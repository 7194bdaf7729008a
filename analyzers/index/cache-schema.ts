/**
 * The shape of what the index cache stores, checked when an entry is read:
 * a cache directory is input like any other (a shared runner, a damaged
 * disk, a hand edit), so an entry is used only when it is what it claims.
 */
import { z } from 'zod';

const lockUse = z.object({
  class: z.string(),
  kind: z.string(),
  mode: z.enum(['read', 'write']),
  guessed: z.boolean(),
  expr: z.string(),
});
const held = lockUse.extend({ line: z.number().int(), viaTry: z.boolean() });
// The path conditions and arguments of a site (locks/model.ts): without them a warm cache reviews
// context-insensitively and answers differently from a cold one (another call site, another chain).
const paramCond = z.object({ param: z.number().int(), op: z.enum(['true', 'false', 'eq', 'ne']), value: z.string().optional() });
const argValue = z.union([z.object({ const: z.string() }), z.object({ param: z.number().int() }), z.null()]);
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
  unresolved: z.array(z.object({ expr: z.string(), line: z.number().int(), reason: z.string() })),
  damaged: z.boolean(),
});

export const fileFactsSchema = z.object({
  file: z.string(),
  arch: z.string().nullable(),
  bytes: z.number().int().nonnegative(),
  functions: z.array(fn),
  clean: z.number().int().nonnegative(),
  damaged: z.number().int().nonnegative(),
  skipped: z.array(z.object({ name: z.string().nullable(), line: z.number().int(), reason: z.string() })),
  ops: z.array(z.object({ struct: z.string(), field: z.string(), fn: z.string(), file: z.string(), line: z.number().int() })),
});

export const structsSchema = z.array(
  z.object({
    name: z.string(),
    file: z.string(),
    arch: z.string().nullable(),
    line: z.number().int(),
    members: z.array(z.tuple([z.string(), z.string()])),
  }),
);

/** Every entry: the value plus what it belongs to, compared on read. */
export const envelopeSchema = z.object({
  format: z.literal(1),
  key: z.string(),
  file: z.string(),
  identity: z.string(),
  value: z.unknown(),
});
