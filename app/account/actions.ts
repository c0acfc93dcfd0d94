"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { currentUser, enabledOAuthProviders, signIn } from "@/server/auth/config";
import { createLinkIntent, LINK_INTENT_COOKIE, LINK_INTENT_COOKIE_PATH, LINK_INTENT_TTL_MS } from "@/server/auth/oauth-link";
import { requestIsHttps } from "@/server/http/client-address";

/**
 * "Connect GitHub/Google" in account settings: the OAuth round trip in link mode. A short-lived signed cookie names
 * the signed-in user; the signIn callback links the identity to that user only if the same user is still signed in.
 */
export async function connectProvider(formData: FormData): Promise<void> {
  const provider = String(formData.get("provider") ?? "");
  const user = await currentUser();
  if (!user) redirect("/sign-in?callbackUrl=%2Faccount");
  if (!enabledOAuthProviders().some((p) => p.id === provider)) redirect("/account?error=UnknownProvider");
  (await cookies()).set(LINK_INTENT_COOKIE, createLinkIntent(user.id, provider), {
    httpOnly: true,
    sameSite: "lax",
    secure: requestIsHttps(await headers()),
    path: LINK_INTENT_COOKIE_PATH,
    maxAge: LINK_INTENT_TTL_MS / 1000,
  });
  await signIn(provider, { redirectTo: `/account?linked=${provider}` });
}
