/**
 * `@simplewebauthn/browser` in the tests (vitest.config.ts points the import here): the browser's WebAuthn ceremony
 * (`navigator.credentials`) does not exist in happy-dom, so the components' calls go to spies that a test programs
 * with an authenticator's answer (test/webauthn-authenticator.ts builds real ones); every file starts with fresh ones
 * (test/setup-env.ts).
 */
import { vi } from "vitest";

export const startRegistration = vi.fn();
export const startAuthentication = vi.fn();

export function resetTestWebAuthn(): void {
  startRegistration.mockReset();
  startAuthentication.mockReset();
}
