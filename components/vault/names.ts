/** What the list shows of a value: bullets and, for long enough values, the last 4 characters. */
export function maskedValue(last4: string): string {
  return `••••${last4}`;
}
