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

export function structsFromJson(defs: CachedStructs): CStructDef[] {
  return defs.map((d) => ({ ...d, members: new Map(d.members) }));
}
