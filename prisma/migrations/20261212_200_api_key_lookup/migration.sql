-- The API-key lookup of every API request (server/auth/api-keys.ts authenticateApiKey) as a function: sent as a literal
-- statement it was parsed and planned at every request; PL/pgSQL keeps its statement's plan for the session (as
-- cadre_begin_step does, migration 20261211_100). Behaviour is the statement's: the key by any of its hashes, its
-- workspace (not deleted) and its creator's membership role. SECURITY INVOKER: it runs on the privileged path
-- `api-key-lookup` (docs/security.md), as the statement did.
CREATE OR REPLACE FUNCTION cadre_api_key_lookup(p_hashes TEXT[])
RETURNS TABLE (id TEXT, "keyHash" TEXT, name TEXT, "workspaceId" TEXT, "createdById" TEXT, scopes TEXT[], slug TEXT, role TEXT,
  revoked BOOLEAN, "expiresMs" DOUBLE PRECISION, "lastUsedMs" DOUBLE PRECISION)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  SELECT k.id, k."keyHash", k.name, k."workspaceId", k."createdById", k.scopes, w.slug, m.role::text, k."revokedAt" IS NOT NULL,
    (extract(epoch FROM k."expiresAt") * 1000)::float8, (extract(epoch FROM k."lastUsedAt") * 1000)::float8
  FROM "ApiKey" k
  JOIN "Workspace" w ON w.id = k."workspaceId" AND w."deletedAt" IS NULL
  LEFT JOIN "Membership" m ON m."workspaceId" = k."workspaceId" AND m."userId" = k."createdById"
  WHERE k."keyHash" = ANY (p_hashes);
END
$$;
