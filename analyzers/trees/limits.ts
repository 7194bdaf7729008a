/**
 * How large a file of a tree may be. The largest file KVM's analysis reads
 * (arch/x86/kvm/x86.c) is under 400 KB; a file past the cap is not read, it
 * is reported in the tree's notes, and the rest of the tree is analysed.
 * Raise it with KVM_REVIEW_MAX_FILE_BYTES (or the tree's `maxFileBytes`).
 */
export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;

export function maxFileBytes(explicit?: number, env: NodeJS.ProcessEnv = process.env): number {
  if (explicit !== undefined) return explicit;
  const fromEnv = env.KVM_REVIEW_MAX_FILE_BYTES;
  if (fromEnv && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  return DEFAULT_MAX_FILE_BYTES;
}
