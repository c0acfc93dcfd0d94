/**
 * A browser's WebAuthn refusal, in words (null when the error is the server's: show its message instead). The
 * browser says NotAllowedError both when the person cancels and when the ceremony times out.
 */
export function passkeyCeremonyError(error: unknown): string | null {
  const name = (error as { name?: unknown; cause?: { name?: unknown } } | null)?.cause?.name ?? (error as { name?: unknown } | null)?.name;
  if (name === "NotAllowedError" || name === "AbortError") return "The passkey prompt was cancelled or timed out. Try again.";
  if (name === "InvalidStateError") return "This passkey is already registered.";
  if (name === "NotSupportedError" || name === "SecurityError") return "This browser cannot use a passkey on this site.";
  if (error instanceof Error && /WebAuthn is not supported/i.test(error.message)) return "This browser does not support passkeys.";
  return null;
}
