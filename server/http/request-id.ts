import { newId } from "@/lib/ids";

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id set by proxy.ts (or the caller's own, if well-formed); a new one otherwise. */
export function requestIdOf(headers: Headers): string {
  const incoming = headers.get("x-request-id");
  return incoming && VALID.test(incoming) ? incoming : newId("req", 16);
}

export function isValidRequestId(value: string | null): value is string {
  return value !== null && VALID.test(value);
}
