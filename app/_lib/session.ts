import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { createCaller } from "@/server/api/root";
import { currentUser } from "@/server/auth/config";
import { requestIdOf } from "@/server/http/request-id";
import { REQUEST_PATH_HEADER, safeCallbackUrl, signInUrl } from "@/lib/callback-url";
import type { SessionUser } from "@/server/auth/sessions";

/**
 * The signed-in user (re-read from the database), or a redirect to sign-in that comes back to the requested page:
 * its path and query as proxy.ts recorded them (a layout is not told which page below it was asked for), else `fallback`.
 */
export async function requireUser(fallback: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(signInUrl(safeCallbackUrl((await headers()).get(REQUEST_PATH_HEADER), fallback)));
  return user;
}

/** A server-side tRPC caller for the signed-in user (outside any workspace). */
export async function serverCaller(user: SessionUser) {
  const requestId = requestIdOf(await headers());
  return createCaller({ requestId, user, workspaceSlug: null, origin: "" });
}
