/**
 * Format names per command, derived from the renderer registry (which is
 * data and dynamic imports only: reading it loads no renderer). Kept for
 * callers that want the plain lists; new code calls formatNames().
 */
import { formatNames } from '../render/registry.js';

export const CHECK_FORMAT_NAMES: readonly string[] = formatNames('check');
export const REVIEW_FORMAT_NAMES: readonly string[] = formatNames('mbox');
export const DOC_FORMAT_NAMES: readonly string[] = formatNames('doc');
