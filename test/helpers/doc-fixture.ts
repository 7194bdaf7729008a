/** Small locking documents written by the tests, read as the reader reads a file. */
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';

export const readDoc = (text: string, path = 'fixture/locking.rst'): DocumentedOrder => readLockingDoc(Buffer.from(text), path);

/** A locking document whose acquisition-order list is BODY. */
export const docWith = (body: string): string =>
  ['=================', 'KVM Lock Overview', '=================', '', '1. Acquisition Orders', '---------------------', '', 'The acquisition orders for mutexes are as follows:', '', body, ''].join('\n');

/** 1-based line of the line that is exactly LINE (after trimming); throws naming it when there is none. */
export const lineIn = (text: string, line: string): number => {
  const at = text.split('\n').findIndex((l) => l.trim() === line);
  if (at < 0) throw new Error(`no line ${JSON.stringify(line)}`);
  return at + 1;
};
