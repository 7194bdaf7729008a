/** The command line run in this process with some environment variables set (undefined: unset) for the call, its output kept. */
import { main } from '../../bot/cli/main.js';
import { ROOT } from '../helpers/paths.js';

export async function cli(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const saved = { ...process.env };
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  try {
    const code = await main(['node', 'kvm-review', ...args], { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: ROOT });
    return { code, out, err };
  } finally {
    process.env = saved;
  }
}
