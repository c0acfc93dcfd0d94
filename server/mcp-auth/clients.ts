import { db, NO_TENANT } from "@/server/db/client";
import { newId } from "@/lib/ids";
import { clientDisplayName, registerClientInputSchema } from "@/lib/schemas/mcp-oauth";
import { OAuthError } from "./errors";

/**
 * Dynamic client registration (RFC 7591) of public clients: a name and redirect URIs (https, or http on a loopback
 * host), no secret (PKCE protects the code). The registry is global (OAuthClient has no workspace): a client
 * registers before anyone signs in, and registering grants nothing until a person consents.
 */
export async function registerClient(body: unknown) {
  const parsed = registerClientInputSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? "");
    throw new OAuthError(field === "redirect_uris" ? "invalid_redirect_uri" : "invalid_client_metadata", `${field || "body"}: ${issue.message}`);
  }
  const input = parsed.data;
  const redirectUris = [...new Set(input.redirect_uris)];
  const name = clientDisplayName(input.client_name, redirectUris[0]!);
  const client = await db(NO_TENANT).oAuthClient.create({ data: { id: newId("ocl", 24), name, redirectUris } });
  return {
    client_id: client.id,
    client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
    client_name: client.name,
    redirect_uris: client.redirectUris,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  };
}

/** A registered client, or null. */
export async function findClient(clientId: string | undefined) {
  if (!clientId || !/^ocl_[a-z0-9]{6,40}$/.test(clientId)) return null;
  return db(NO_TENANT).oAuthClient.findUnique({ where: { id: clientId } });
}
