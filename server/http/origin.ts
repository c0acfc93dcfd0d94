import { env } from "@/server/env";

/** The base URL for links Cadre hands out: CADRE_PUBLIC_URL, else the origin the request came to. */
export function publicOrigin(req: Request): string {
  const configured = env().CADRE_PUBLIC_URL;
  if (configured) return configured.replace(/\/$/, "");
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  const proto = req.headers.get("x-forwarded-proto") ?? new URL(req.url).protocol.replace(":", "");
  return host ? `${proto}://${host}` : new URL(req.url).origin;
}
