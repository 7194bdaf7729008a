/**
 * Where the resident process listens: $KVM_REVIEW_DAEMON_SOCKET, else
 * $XDG_RUNTIME_DIR/kvm-review.sock (per user, on tmpfs, cleared at logout),
 * else kvm-review/daemon.sock in the user cache directory, the base the
 * index cache uses (analyzers/index/cache.ts cacheDir()). Loaded by the
 * command-line client on every call: node builtins only. The last case needs
 * env-paths, whose import costs the client 6-13 ms (a tenth of its start), so
 * it lives in socket-default.ts and is loaded only when neither variable is set.
 */
import { join, resolve } from 'node:path';

/** sun_path holds 108 bytes with the terminating NUL: a longer path cannot be bound or reached. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** A socket path that cannot be used, named. */
export class SocketPathError extends Error {}

/** The socket path a variable names ($KVM_REVIEW_DAEMON_SOCKET, else $XDG_RUNTIME_DIR's), or null: the default, daemonSocketPath() in socket-default.ts. */
export function configuredSocketPath(env: NodeJS.ProcessEnv): string | null {
  if (env.KVM_REVIEW_DAEMON_SOCKET) return resolve(env.KVM_REVIEW_DAEMON_SOCKET);
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'kvm-review.sock');
  return null;
}

/** Throws a SocketPathError naming the path when it is too long for a Unix socket. */
export function checkSocketPath(path: string): string {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new SocketPathError(`${path}: a Unix socket path holds at most ${MAX_SOCKET_PATH_BYTES} bytes, this one has ${bytes}; set KVM_REVIEW_DAEMON_SOCKET to a shorter one`);
  }
  return path;
}

/** The server's log (its stdout and stderr), next to the socket. */
export function daemonLogPath(socket: string): string {
  return `${socket}.log`;
}
