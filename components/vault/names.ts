import { SECRET_NAME_PATTERN, SECRET_VALUE_MAX } from "@/lib/schemas/secrets";

/** The same rules as the server's schema, checked before sending so that mistakes show at once. */
export function nameProblem(name: string): string | null {
  const n = name.trim();
  if (!n) return "Enter a name";
  if (n.length > 64) return "A secret name has at most 64 characters";
  if (!SECRET_NAME_PATTERN.test(n)) return "Use letters, digits, dots, dashes and underscores only (e.g. OPENAI_API_KEY)";
  return null;
}

export function valueProblem(value: string): string | null {
  if (!value.trim()) return "Enter the secret value";
  if (value.length > SECRET_VALUE_MAX) return `A secret value has at most ${SECRET_VALUE_MAX} characters`;
  return null;
}

/** What the list shows of a value: bullets and, for long enough values, the last 4 characters. */
export function maskedValue(last4: string): string {
  return `••••${last4}`;
}
