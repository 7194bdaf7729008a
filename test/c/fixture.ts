/** Parse a fixture under fixtures/c/ the way the pipeline does; the caller disposes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CFunction } from '../../analyzers/c/model.js';
import { parseFile, type ParsedFile } from '../../analyzers/c/parse-file.js';
import { FIXTURES } from '../helpers/paths.js';

export function fixtureSource(name: string): string {
  return readFileSync(join(FIXTURES, 'c', name), 'utf8');
}

export function parseFixture(name: string): Promise<ParsedFile> {
  return parseFile(`fixtures/c/${name}`, fixtureSource(name));
}

/** The function called `name`; fails the test when it is missing. */
export function fn(parsed: ParsedFile, name: string): CFunction {
  const found = parsed.functions.find((f) => f.name === name);
  if (!found) throw new Error(`${name} not extracted from ${parsed.file}: ${parsed.functions.map((f) => f.name).join(', ')}`);
  return found;
}
