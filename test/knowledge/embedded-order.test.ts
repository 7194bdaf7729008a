/** The committed default order is what the reader makes of the newest corpus revision, and holds no document text. */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMBEDDED_PATH, loadEmbeddedOrder, toEmbedded } from '../../knowledge/doc/embedded.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { corpusRevision, corpusRevisions, ROOT } from '../helpers/paths.js';

describe('embedded default order', () => {
  const committed = JSON.parse(readFileSync(join(ROOT, EMBEDDED_PATH), 'utf8')) as unknown;

  it('is up to date with the newest revision (regenerate with npm run gen:default-order)', () => {
    const newest = corpusRevisions().at(-1) as string;
    const path = corpusRevision(newest.slice(0, 2));
    expect(committed).toEqual(JSON.parse(JSON.stringify(toEmbedded(readLockingDoc(readFileSync(path), path), newest))));
  });

  it('copies no sentence of the document', () => {
    const raw = readFileSync(join(ROOT, EMBEDDED_PATH), 'utf8');
    expect(raw).not.toMatch(/"text"/);
    expect(raw).not.toMatch(/taken outside|read-side critical section|Everything else/);
  });

  it('loads with re-worded statements and provenance', () => {
    const order = loadEmbeddedOrder();
    expect(order.source).toMatchObject({ kind: 'embedded', path: null });
    // The line is the newest revision's: found there by content.
    const newest = corpusRevision((corpusRevisions().at(-1) as string).slice(0, 2));
    const line = readFileSync(newest, 'utf8').split('\n').findIndex((l) => l.startsWith('- kvm->lock is taken outside vcpu->mutex')) + 1;
    expect(line).toBeGreaterThan(0);
    expect(order.edges.find((e) => e.outer === 'kvm->lock' && e.inner === 'vcpu->mutex')).toMatchObject({
      line,
      text: 'kvm->lock is taken outside vcpu->mutex',
    });
  });
});
