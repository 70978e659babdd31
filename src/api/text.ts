import { z } from 'zod';

/**
 * The one rule for text that reaches the database. PostgreSQL refuses U+0000 in text and JSON, and
 * refuses a lone UTF-16 surrogate in JSON ("\ud800" is valid JSON but not Unicode); both used to come
 * back as 500s. Control characters are refused too where a person types a line of text: nobody types a
 * BEL into a badge name, and they break the logs and PACS screens the name is copied into.
 */

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0 controls, DEL and C1 controls.
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
// The same, but tab, line feed and carriage return are allowed (PEM certificates).
const CONTROL_MULTILINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

export const WELL_FORMED_MESSAGE = 'must be well-formed Unicode (it contains a lone UTF-16 surrogate)';
export const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';
const CONTROL_MESSAGE = 'must not contain control characters (U+0000–U+001F, U+007F–U+009F)';
const CONTROL_MULTILINE_MESSAGE = 'must not contain control characters other than tab and line breaks';

export const isWellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** Why a string could not be stored anywhere (text column or JSON), or null. Used for every input string. */
export function unstorable(s: string): string | null {
  if (s.includes('\u0000')) return NUL_MESSAGE;
  if (!isWellFormed(s)) return WELL_FORMED_MESSAGE;
  return null;
}

export interface TextOptions {
  min?: number;
  max: number;
  /** Allow tab, CR and LF (pasted certificates). */
  multiline?: boolean;
  /** Trim surrounding whitespace (default true; passwords keep theirs). */
  trim?: boolean;
}

/** A person-typed string: well-formed, no NUL, no control characters, trimmed, bounded. */
export function text(opts: TextOptions) {
  const control = opts.multiline ? CONTROL_MULTILINE : CONTROL;
  const controlMessage = opts.multiline ? CONTROL_MULTILINE_MESSAGE : CONTROL_MESSAGE;
  let s = z.string().superRefine((v, ctx) => {
    const problem = unstorable(v) ?? (control.test(v) ? controlMessage : null);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, abort: true });
  });
  if (opts.trim !== false) s = s.trim();
  if (opts.min !== undefined) s = s.min(opts.min);
  return s.max(opts.max);
}
