/**
 * A one-patch mbox over 10 MB (a generated register table, 300,000 added
 * lines), written to PATH: for the reader's bad-input test and its bench.
 */
import { writeFileSync } from 'node:fs';

export const HUGE_PATCH_LINES = 300_000;

export function writeHugePatchMbox(path: string): string {
  const n = HUGE_PATCH_LINES;
  const lines = Array.from({ length: n }, (_, i) => `+#define DEMO_REG_${i.toString(16).padStart(6, '0')}\t0x${(i * 4).toString(16).padStart(8, '0')}`);
  const diff = ['diff --git a/drivers/demo/regs.h b/drivers/demo/regs.h', 'new file mode 100644', '--- /dev/null', '+++ b/drivers/demo/regs.h', `@@ -0,0 +1,${n} @@`, ...lines].join('\n');
  const subject = '[PATCH] demo: Add the generated register table';
  writeFileSync(
    path,
    `From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nFrom: Jane Hacker <jane@example.org>\nSubject: ${subject}\nMessage-ID: <gen-${subject.length}@example.org>\nDate: Mon, 4 Mar 2024 09:00:00 +0000\n\nGenerated.\n---\n${diff}\n`,
  );
  return path;
}
