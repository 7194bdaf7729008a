/**
 * The resident process's socket path for any environment: the one a variable
 * names (socket-path.ts), else kvm-review/daemon.sock in the user cache
 * directory, whose base is env-paths', read from process.env as the index
 * cache's cacheDir() reads it. Apart from socket-path.ts so that the client
 * loads env-paths only when it needs it.
 */
import { join } from 'node:path';
import envPaths from 'env-paths';
import { configuredSocketPath } from './socket-path.js';

/** The socket path for this environment (not checked; see checkSocketPath). */
export function daemonSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return configuredSocketPath(env) ?? join(envPaths('kvm-review', { suffix: '' }).cache, 'daemon.sock');
}
