import { env } from "@/server/env";

/**
 * Whether runs go to Inngest (else the in-process executor runs them). Its own module: the processes that do not use
 * Inngest never load its SDK (about 11 MB of a server's idle memory).
 */
export function inngestEnabled(): boolean {
  const e = env();
  return Boolean((e.INNGEST_EVENT_KEY && e.INNGEST_SIGNING_KEY) || e.INNGEST_DEV);
}
