import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { createCaller } from "@/server/api/root";
import { currentUser } from "@/server/auth/config";
import { requestIdOf } from "@/server/http/request-id";
import type { SessionUser } from "@/server/users/service";

/** The signed-in user (re-read from the database), or a redirect to sign-in that comes back to `path`. */
export async function requireUser(path: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/sign-in?callbackUrl=${encodeURIComponent(path)}`);
  return user;
}

/** A server-side tRPC caller for the signed-in user (outside any workspace). */
export async function serverCaller(user: SessionUser) {
  const requestId = requestIdOf(await headers());
  return createCaller({ requestId, user, workspaceSlug: null, origin: "" });
}
