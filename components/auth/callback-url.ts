/** A link to an auth page that keeps where to go afterwards and the email typed so far. */
export function authHref(page: "/sign-in" | "/sign-up" | "/forgot-password", opts: { callbackUrl?: string | null; email?: string | null }): string {
  const params = new URLSearchParams();
  if (opts.callbackUrl && opts.callbackUrl !== "/") params.set("callbackUrl", opts.callbackUrl);
  if (opts.email) params.set("email", opts.email);
  const query = params.toString();
  return query ? `${page}?${query}` : page;
}

export function firstParam(raw: string | string[] | undefined): string | undefined {
  return Array.isArray(raw) ? raw[0] : raw;
}
