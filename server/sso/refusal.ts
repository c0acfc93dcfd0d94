import type { SsoErrorCode } from "@/lib/schemas/sso";

/** An SSO sign-in refused for a reason the person is told (the sign-in page's message for `code`); the detail is logged. */
export class SsoRefusal extends Error {
  constructor(
    readonly code: SsoErrorCode,
    detail: string,
  ) {
    super(detail);
    this.name = "SsoRefusal";
  }
}
