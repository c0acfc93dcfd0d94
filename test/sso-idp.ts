/**
 * A real OpenID provider for the SSO tests (oidc-provider, panva) on 127.0.0.1 with a random port. The test picks who
 * signs in (`idp.signInAs(claims)`); the login and consent interactions are answered by the server itself, so a test
 * drives the whole flow with plain fetch (`idp.authorize(url)` follows the redirects up to Cadre's callback).
 * With `{ forms: true }` (the e2e journeys) the provider shows its own login and consent pages instead (oidc-provider's
 * development interactions: any password; the login typed is the account's `sub`, its claims those of `addAccount`).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface IdpAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  signInAs(account: IdpAccount): void;
  /** an account that can sign in on the login form (`forms`), as its `sub` */
  addAccount(account: IdpAccount): void;
  /** follows the provider's redirects from the authorization URL until the redirect back to `redirectPrefix` */
  authorize(url: string, redirectPrefix: string): Promise<URL>;
  close(): Promise<void>;
}

export async function startTestIdp(redirectUris: string[], options: { forms?: boolean } = {}): Promise<TestIdp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = "cadre-test";
  const clientSecret = "idp-client-secret-0123456789";
  let current: IdpAccount = { sub: "nobody" };
  const accounts = new Map<string, IdpAccount>();

  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: redirectUris, grant_types: ["authorization_code"], response_types: ["code"] }],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    scopes: ["openid", "email", "profile", "groups"],
    features: { devInteractions: { enabled: options.forms === true } },
    pkce: { required: () => true },
    cookies: { keys: ["test-idp-cookie-key"] },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx: unknown, sub: string) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...account }) };
    },
    // every claim in the ID token too (the tests read groups from it)
    conformIdTokenClaims: false,
  });
  const callback = provider.callback();

  server.on("request", async (req, res) => {
    const match = /^\/interaction\/([^/?]+)/.exec(req.url ?? "");
    // the provider's own forms answer the interactions (and keep its accounts)
    if (!match || options.forms) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === "login") {
        accounts.set(current.sub, current);
        await provider.interactionFinished(req, res, { login: { accountId: current.sub } }, { mergeWithLastSubmission: false });
        return;
      }
      const grant = new provider.Grant({ accountId: details.session!.accountId, clientId });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  });

  return {
    issuer,
    clientId,
    clientSecret,
    signInAs(account) {
      current = account;
    },
    addAccount(account) {
      accounts.set(account.sub, account);
    },
    async authorize(url, redirectPrefix) {
      const jar = new Map<string, string>();
      let next = url;
      for (let hop = 0; hop < 12; hop++) {
        if (next.startsWith(redirectPrefix)) return new URL(next);
        const res = await fetch(next, { redirect: "manual", headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } });
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(";");
          const [k, ...v] = pair!.split("=");
          jar.set(k!.trim(), v.join("="));
        }
        const location = res.headers.get("location");
        if (!location) throw new Error(`the provider answered ${res.status} without a redirect: ${(await res.text()).slice(0, 300)}`);
        next = new URL(location, next).href;
      }
      throw new Error("too many redirects at the provider");
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
