/**
 * Output format names for the option parser, kept apart from the renderers
 * so that parsing the command line loads no renderer (remark, SARIF) a run
 * does not use. test/cli checks them against the renderer maps.
 */
export const CHECK_FORMAT_NAMES = ['text', 'json', 'markdown'] as const;
export const REVIEW_FORMAT_NAMES = ['text', 'json', 'markdown', 'email', 'sarif'] as const;
