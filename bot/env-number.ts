/** Numbers from the environment, shared by the App's settings and the job queue's retry policy. */

/** `env[name]` as a positive integer; `fallback` when unset or empty; an error naming the variable otherwise. */
export function positiveIntEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${raw}: expected a positive integer`);
  return n;
}
