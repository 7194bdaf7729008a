/** Messages between the index's main thread and its worker threads (structured-cloned: Maps cross as Maps). */
import type { StructTypes } from '../c/model.js';

export type WorkerRequest =
  /** Parse a header for its struct definitions; the worker keeps the parse for the file's facts. */
  | { id: number; kind: 'structs'; file: string; text: string }
  /** The struct types every later 'facts' request is walked with. */
  | { id: number; kind: 'types'; types: StructTypes }
  /** A file's lock facts; no text when this worker kept the file's parse from 'structs'. */
  | { id: number; kind: 'facts'; file: string; text?: string };

/** A request before the pool numbers it. */
export type WorkerTask = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string; stack: string };
