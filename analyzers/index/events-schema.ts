/**
 * The shape of an architecture's edge events in the cache (order/observe.ts
 * EdgeEvent, per function), every field named: objects are strict
 * (shape.ts), so a field the schema falls behind on fails the check before
 * the entry is written, instead of a warm review differing from a cold one.
 */
import { s as z } from './shape.js';
import { edgeSite, held, lockUse } from './cache-schema.js';

const edgeEvent = z.object({
  outer: held,
  inner: lockUse,
  op: z.enum(['acquire', 'sync']),
  subclass: z.number().int().optional(),
  site: edgeSite,
});

/** One architecture's code observed: which functions, in order, and each one's events. */
export const archEventsSchema = z.object({
  /** `file:name:line` of each function, in the order the events are aligned with. */
  functions: z.array(z.string()),
  events: z.array(z.object({ events: z.array(edgeEvent) })),
  depthCut: z.boolean(),
});
