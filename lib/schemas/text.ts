import { z } from "zod";

/**
 * The one check every string that enters through an API passes (tRPC inputs, REST bodies, params and queries):
 * PostgreSQL refuses U+0000 in text, and an unpaired UTF-16 surrogate is not valid Unicode (it breaks the JSON of
 * an audit entry). Both are refused with a 422 naming the field, before anything is written.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finds U+0000 on purpose
const UNSAFE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const UNSAFE_TEXT_MESSAGE = "Contains a NUL character or an unpaired UTF-16 surrogate";

export function hasUnsafeText(value: string): boolean {
  return UNSAFE_TEXT.test(value);
}

/** A string free of NUL and unpaired surrogates: use it instead of `z.string()` in every input schema. */
export function text() {
  return z.string().refine((v) => !hasUnsafeText(v), UNSAFE_TEXT_MESSAGE);
}

/**
 * Names shown to other people (agents, teams, workspaces, member display names, API keys, providers, models) also
 * refuse characters that make a name look like something else: bidirectional overrides and isolates
 * (U+202A-202E, U+2066-2069), invisible format characters (U+200B, U+200E, U+200F, U+2060-2064, U+FEFF, U+00AD).
 * The joiners U+200C/U+200D are needed by emoji sequences and several scripts (Persian, Indic): they are allowed
 * between two non-ASCII characters only, so that they cannot hide inside a Latin name. Refused, never stripped.
 */
const SPOOFING = /[\u202A-\u202E\u2066-\u2069\u200B\u200E\u200F\u2060-\u2064\uFEFF\u00AD]/;
const JOINER = /[\u200C\u200D]/g;
export const SPOOFING_MESSAGE = "Contains an invisible or text-direction control character";

export function hasSpoofingCharacters(value: string): boolean {
  if (SPOOFING.test(value)) return true;
  for (const match of value.matchAll(JOINER)) {
    const before = value.charCodeAt(match.index - 1); // NaN at the ends
    const after = value.charCodeAt(match.index + 1);
    if (!(before >= 0x80 && after >= 0x80)) return true;
  }
  return false;
}

/** `text()` for a name other people see: also refuses bidi controls and invisible characters. */
export function displayName() {
  return text().refine((v) => !hasSpoofingCharacters(v), SPOOFING_MESSAGE);
}

/** A name that did not come through an input schema (an OAuth profile's): kept when displayName() accepts it, else null. */
export function acceptableNameOrNull(name: string | null | undefined, max = 100): string | null {
  const parsed = displayName().trim().min(1).max(max).safeParse(name);
  return parsed.success ? parsed.data : null;
}

/** The largest value of a PostgreSQL `integer` column. */
export const MAX_INT4 = 2_147_483_647;

/** A whole number that fits the `integer` column it reaches (a version, a sequence number). */
export function intColumn(min = 0) {
  return z.number().int().min(min).max(MAX_INT4, `At most ${MAX_INT4}`);
}
