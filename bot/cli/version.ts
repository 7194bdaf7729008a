/** The package version, for --version and SARIF's tool.driver.version. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../knowledge/package-root.js';

export function toolVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
