/**
 * Struct definitions as the cache holds them (a header's in `structs/`, any
 * file's own in its facts): members as [name, type] pairs, since a Map is
 * not JSON. Its own module: the walk on a worker thread needs it, not the plan.
 */
import type { CStructDef } from '../c/model.js';

export type CachedStructs = (Omit<CStructDef, 'members'> & { members: [string, string][] })[];

export function structsToJson(defs: readonly CStructDef[]): CachedStructs {
  return defs.map((d) => ({ ...d, members: [...d.members] }));
}

/**
 * The definitions of one cache entry, made once per entry object: the in-memory cache hands every
 * state of a series the same entry, and definitions that are the same objects compare without
 * being serialised (changedStructs()). Nothing changes a definition once read.
 */
const read = new WeakMap<CachedStructs, readonly CStructDef[]>();

export function structsFromJson(defs: CachedStructs): readonly CStructDef[] {
  let out = read.get(defs);
  if (!out) read.set(defs, (out = defs.map((d) => ({ ...d, members: new Map(d.members) }))));
  return out;
}
