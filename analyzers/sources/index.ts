/**
 * The sources stage: bytes in, decoded mail messages out, behind one
 * interface (PatchSource). Mail mechanics only; patches and series are the
 * series stage's business. See sources.md for the decisions.
 *
 * 1. open-source.ts        path -> the right PatchSource
 * 2. input.ts              read a file or stdin within a size limit
 * 3. sniff.ts              mbox, format-patch, lone message or plain diff?
 * 4. mbox-split.ts         split at separator lines, keep each message's line
 * 5. decode.ts             postal-mime: encodings, charsets, multipart
 *    flowed.ts             which body lines format=flowed decoding joined
 * diff-message.ts wraps a plain diff as a message; file-source.ts,
 * directory-source.ts and public-inbox-source.ts are the PatchSources.
 */
export type { Person, PatchSource, SourceKind, SourceMessage, SourceMessages, SourcePosition, SourceWarning, TextAttachment } from './model.js';
export { isSourceError, SourceError, type SourceErrorCode } from './errors.js';
export { DEFAULT_MAX_INPUT_BYTES, type SourceOptions } from './input.js';
export { openSource } from './open-source.js';
export { FileSource, readBytes } from './file-source.js';
export { DirectorySource } from './directory-source.js';
export { PublicInboxSource, isBareRepository } from './public-inbox-source.js';
