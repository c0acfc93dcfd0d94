/** Request header proxy.ts sets to the page's path and query, so a layout can send sign-in back to it. */
export const REQUEST_PATH_HEADER = "x-cadre-path";

const MAX_LENGTH = 2048;
// any origin works: only whether the path stays on it matters
const PROBE_ORIGIN = "http://cadre.invalid";

/**
 * Where to go after signing in, accepted only as a path on this site: one leading "/", no "//host" or "/\host"
 * (protocol-relative: an open redirect), no backslash (browsers read it as "/"), no control character (browsers
 * drop tabs and newlines, so "/\t/host" becomes "//host"). Anything else yields the fallback.
 */
export function safeCallbackUrl(raw: string | readonly string[] | null | undefined, fallback = "/"): string {
  const value = typeof raw === "string" ? raw : raw?.[0];
  if (!value || value.length > MAX_LENGTH) return fallback;
  if (value[0] !== "/" || value[1] === "/") return fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refuses control characters on purpose
  if (value.includes("\\") || /[\u0000-\u001f\u007f]/.test(value)) return fallback;
  try {
    if (new URL(value, PROBE_ORIGIN).origin !== PROBE_ORIGIN) return fallback;
  } catch {
    return fallback;
  }
  return value;
}

/** The sign-in page, coming back to `path` (when it is safe) afterwards. */
export function signInUrl(path: string | null | undefined): string {
  const back = safeCallbackUrl(path);
  return back === "/" ? "/sign-in" : `/sign-in?callbackUrl=${encodeURIComponent(back)}`;
}
