/**
 * Credentials that are more than one API key, read from the provider's vault secret: Amazon Bedrock's access key pair
 * and Google Vertex AI's service-account key. Only what the call needs is kept, and no error here ever quotes the secret.
 *
 * Vertex's access token is fetched here (a signed JWT exchanged at the key's token endpoint) through the caller's
 * fetch, that is the egress guard's, instead of google-auth-library, whose requests would bypass the guard. A token is
 * kept in this process until 5 minutes before it expires (keyed by a hash of the key, never the key itself), and
 * concurrent calls share one exchange.
 */
import { createHash, createSign } from "node:crypto";
import { AppError } from "@/lib/errors";

export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * A Bedrock secret: JSON `{"accessKeyId", "secretAccessKey", "sessionToken"?}` (SigV4), else a Bedrock API key
 * (sent as a bearer token). Null for an API key.
 */
export function awsKeysOf(secret: string, providerName: string): AwsKeys | null {
  const text = secret.trim();
  if (!text.startsWith("{")) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", `The key of "${providerName}" is not valid JSON: expected {"accessKeyId", "secretAccessKey", "sessionToken"?}`);
  }
  const p = parsed as Record<string, unknown>;
  if (typeof p.accessKeyId !== "string" || typeof p.secretAccessKey !== "string" || !p.accessKeyId || !p.secretAccessKey) {
    throw new AppError("BAD_REQUEST", `The key of "${providerName}" needs accessKeyId and secretAccessKey (and optionally sessionToken)`);
  }
  return {
    accessKeyId: p.accessKeyId,
    secretAccessKey: p.secretAccessKey,
    ...(typeof p.sessionToken === "string" && p.sessionToken ? { sessionToken: p.sessionToken } : {}),
  };
}

export interface ServiceAccount {
  clientEmail: string;
  privateKey: string;
  tokenUri: string;
  projectId?: string;
}

const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** A Vertex secret: a service-account key file (JSON with client_email and private_key), else an express-mode API key (null). */
export function serviceAccountOf(secret: string, providerName: string): ServiceAccount | null {
  const text = secret.trim();
  if (!text.startsWith("{")) return null;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new AppError("BAD_REQUEST", `The key of "${providerName}" is not valid JSON: expected a service-account key file`);
  }
  if (typeof parsed.client_email !== "string" || typeof parsed.private_key !== "string") {
    throw new AppError("BAD_REQUEST", `The key of "${providerName}" is not a service-account key file (client_email and private_key are needed)`);
  }
  return {
    clientEmail: parsed.client_email,
    privateKey: parsed.private_key,
    tokenUri: typeof parsed.token_uri === "string" && parsed.token_uri ? parsed.token_uri : GOOGLE_TOKEN_URI,
    ...(typeof parsed.project_id === "string" ? { projectId: parsed.project_id } : {}),
  };
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

/** A token is not used in its last minutes: a call that starts with it must not see it expire. */
const TOKEN_EXPIRY_MARGIN_MS = 5 * 60_000;
const MAX_CACHED_TOKENS = 1_000;
const globalForTokens = globalThis as unknown as { cadreVertexTokens?: Map<string, { token: Promise<string>; expiresAtMs: number }> };
const tokens = () => (globalForTokens.cadreVertexTokens ??= new Map());

/** Forgets the cached access tokens (tests). */
export function forgetServiceAccountTokens(): void {
  tokens().clear();
}

/**
 * An OAuth access token for a service account: the cached one while it is good for 5 more minutes, else a new
 * exchange (JWT bearer grant, RFC 7523) through `fetchFn`, shared by the calls that ask meanwhile. A failed
 * exchange is not kept.
 */
export function serviceAccountToken(account: ServiceAccount, fetchFn: typeof fetch, providerName: string): Promise<string> {
  const key = createHash("sha256").update(`${account.tokenUri}\n${account.clientEmail}\n${account.privateKey}`).digest("hex");
  const cache = tokens();
  const hit = cache.get(key);
  if (hit && hit.expiresAtMs - TOKEN_EXPIRY_MARGIN_MS > Date.now()) return hit.token;
  if (cache.size >= MAX_CACHED_TOKENS) for (const [k, v] of cache) if (v.expiresAtMs <= Date.now()) cache.delete(k);
  if (cache.size >= MAX_CACHED_TOKENS) cache.clear();
  const entry = { token: Promise.resolve(""), expiresAtMs: Number.POSITIVE_INFINITY };
  entry.token = exchangeToken(account, fetchFn, providerName).then(
    ({ token, expiresInS }) => {
      entry.expiresAtMs = Date.now() + expiresInS * 1000;
      return token;
    },
    (error: unknown) => {
      if (cache.get(key) === entry) cache.delete(key);
      throw error;
    },
  );
  cache.set(key, entry);
  return entry.token;
}

async function exchangeToken(account: ServiceAccount, fetchFn: typeof fetch, providerName: string): Promise<{ token: string; expiresInS: number }> {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const claims = base64url(JSON.stringify({ iss: account.clientEmail, scope: CLOUD_PLATFORM_SCOPE, aud: account.tokenUri, iat: now, exp: now + 3600 }));
  let signature: string;
  try {
    signature = createSign("RSA-SHA256").update(`${header}.${claims}`).sign(account.privateKey, "base64url");
  } catch {
    throw new AppError("BAD_REQUEST", `The service-account key of "${providerName}" holds no usable private key`);
  }
  const response = await fetchFn(account.tokenUri, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: `${header}.${claims}.${signature}` }).toString(),
  });
  const body = (await response.json().catch(() => null)) as { access_token?: unknown; expires_in?: unknown } | null;
  if (!response.ok || typeof body?.access_token !== "string") {
    // the token endpoint's text is not passed on (it may echo the assertion)
    throw new AppError("UPSTREAM_ERROR", `Google refused the service-account key of "${providerName}" (HTTP ${response.status})`, { status: response.status });
  }
  const expiresIn = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 3600;
  return { token: body.access_token, expiresInS: expiresIn };
}
