/**
 * `next-auth/react` in the tests (vitest.config.ts points the import here): the components call `signIn` and `signOut`
 * to reach the server's auth routes, which a component test has no server for. Here they are spies that a test
 * programs (`signIn.mockResolvedValue(...)`) and inspects; every file starts with fresh ones (test/setup-env.ts).
 */
import { vi } from "vitest";

export const signIn = vi.fn();
export const signOut = vi.fn();

export function resetTestAuth(): void {
  signIn.mockReset();
  signOut.mockReset();
}
