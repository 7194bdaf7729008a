/**
 * A parsed diff, as the review stage reads it: files, hunks, and lines that
 * each keep their old and new line numbers (reviewdog's FileDiff/Hunk/Line).
 */

/** One line of a hunk. */
export interface DiffLine {
  /** add: only in the new file; del: only in the old; normal: context, in both. */
  type: 'add' | 'del' | 'normal';
  /** 1-based line in the old file; set for del and normal, unset for add. */
  oldLine?: number;
  /** 1-based line in the new file; set for add and normal, unset for del. */
  newLine?: number;
  /** The line's text without the leading `+`, `-` or space. */
  content: string;
  /** Optional: true when `\ No newline at end of file` followed this line. */
  noNewlineAtEnd?: true;
}

/** One `@@ -a,b +c,d @@` hunk. */
export interface Hunk {
  /** The header line as written, section text included: `@@ -10,7 +10,8 @@ static int f(void)`. */
  header: string;
  /** 1-based first old line (0 for an empty old side). */
  oldStart: number;
  /** Number of old lines (del + normal). */
  oldLines: number;
  /** 1-based first new line (0 for an empty new side). */
  newStart: number;
  /** Number of new lines (add + normal). */
  newLines: number;
  /** 1-based line of the header in the message body (see PatchEntry.position.bodyLine for the file line). */
  bodyLine: number;
  /** The lines, in order, `\ No newline at end of file` markers removed. */
  lines: DiffLine[];
}

/** The diff of one file. */
export interface FileDiff {
  /** Old path without `a/`; null for a new file (`/dev/null`). */
  oldPath: string | null;
  /** New path without `b/`; null for a deleted file. */
  newPath: string | null;
  /** The path to show: newPath, or oldPath for a deletion. */
  path: string;
  /** A new file (`new file mode`, or old side `/dev/null`). */
  isNew: boolean;
  /** A deleted file (`deleted file mode`, or new side `/dev/null`). */
  isDeleted: boolean;
  /** A rename (`rename from/to`, or different old and new paths); a pure rename has no hunks. */
  isRenamed: boolean;
  /** A copy (`copy from/to`). */
  isCopied: boolean;
  /** A binary change (`GIT binary patch`, `Binary files ... differ`): no hunks, nothing to review. */
  isBinary: boolean;
  /** Optional: the old mode (`100644`) when the diff states it. */
  oldMode?: string;
  /** Optional: the new mode when the diff states it. */
  newMode?: string;
  /** Optional: `similarity index` in percent, for renames and copies. */
  similarity?: number;
  /** Lines added, over all hunks. */
  additions: number;
  /** Lines deleted, over all hunks. */
  deletions: number;
  /** The hunks, in order. */
  hunks: Hunk[];
  /** 1-based line of the file's first header line (`diff --git`, or `---`) in the message body. */
  bodyLine: number;
  /**
   * Optional: the paths as the diff wrote them, when normalisation changed them
   * (`./virt/kvm/kvm_main.c`, `virt\\kvm\\kvm_main.c`); oldPath/newPath/path are always normalised.
   */
  spelledAs?: string[];
  /**
   * Optional: why this file cannot be reviewed although the analysis indexes it
   * (a binary change to `virt/kvm/*.c`). Set by the series stage; the review says it on the patch.
   */
  unreviewable?: string;
}
