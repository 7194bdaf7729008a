/** Exit codes of every kvm-review command. */
export const EXIT = {
  /** Done; no error-severity finding. */
  ok: 0,
  /** Done; at least one error-severity finding. */
  findings: 1,
  /** Usage or input error: nothing was reviewed. */
  usage: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Input the command could not use; the message names the file (and line). */
export class InputError extends Error {}
