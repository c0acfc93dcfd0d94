/**
 * What an OAuth provider says about the user's email, reduced to one address and whether the provider verified
 * it. Only a verified address can match (or create) a Cadre account.
 */
export interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/**
 * GitHub's /user has a public email (or null) and no verification flag; /user/emails lists every address with
 * `verified`. The public email is used only if it is in that list and verified; else the primary address, with
 * its own flag. Without the list (scope refused, API error) nothing counts as verified.
 */
export function githubVerifiedEmail(publicEmail: string | null | undefined, emails: GitHubEmail[] | null): { email: string | null; verified: boolean } {
  const list = Array.isArray(emails) ? emails.filter((e) => e && typeof e.email === "string") : [];
  if (publicEmail) {
    const listed = list.find((e) => e.email.toLowerCase() === publicEmail.toLowerCase());
    if (listed?.verified === true) return { email: listed.email, verified: true };
  }
  const primary = list.find((e) => e.primary) ?? null;
  if (primary) return { email: primary.email, verified: primary.verified === true };
  return { email: publicEmail ?? null, verified: false };
}

/**
 * The GitHub provider's userinfo request (replaces Auth.js's, which takes the primary address without looking at
 * `verified`): fetches /user and /user/emails and sets `email` and `email_verified` on the profile.
 */
export function githubUserinfo(apiBaseUrl = "https://api.github.com") {
  return {
    url: `${apiBaseUrl}/user`,
    async request({ tokens }: { tokens: { access_token?: string } }) {
      const headers = { Authorization: `Bearer ${tokens.access_token}`, "User-Agent": "cadre", Accept: "application/vnd.github+json" };
      const profile = (await (await fetch(`${apiBaseUrl}/user`, { headers })).json()) as Record<string, unknown>;
      let emails: GitHubEmail[] | null = null;
      const res = await fetch(`${apiBaseUrl}/user/emails`, { headers });
      if (res.ok) emails = (await res.json()) as GitHubEmail[];
      const chosen = githubVerifiedEmail(typeof profile.email === "string" ? profile.email : null, emails);
      return { ...profile, email: chosen.email, email_verified: chosen.verified };
    },
  };
}

/** The provider's verdict on the profile's email (Google: the `email_verified` claim; GitHub: set by githubUserinfo). */
export function providerVerifiedEmail(provider: string, profile: Record<string, unknown> | undefined | null): boolean {
  if (!profile) return false;
  if (provider === "google" || provider === "github") return profile.email_verified === true;
  return false;
}
