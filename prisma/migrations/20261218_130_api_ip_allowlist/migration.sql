-- The API-key lookup also returns the IP allowlist of the workspace's organisation (empty: any address), checked by
-- server/auth/api-keys.ts against the client's address. The return type changes, so the function is recreated.
DROP FUNCTION IF EXISTS cadre_api_key_lookup(TEXT[]);
CREATE FUNCTION cadre_api_key_lookup(p_hashes TEXT[])
RETURNS TABLE (id TEXT, "keyHash" TEXT, name TEXT, "workspaceId" TEXT, "createdById" TEXT, scopes TEXT[], slug TEXT, role TEXT,
  revoked BOOLEAN, "expiresMs" DOUBLE PRECISION, "lastUsedMs" DOUBLE PRECISION, "ipAllowlist" TEXT[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  SELECT k.id, k."keyHash", k.name, k."workspaceId", k."createdById", k.scopes, w.slug, m.role::text, k."revokedAt" IS NOT NULL,
    (extract(epoch FROM k."expiresAt") * 1000)::float8, (extract(epoch FROM k."lastUsedAt") * 1000)::float8,
    COALESCE(o."apiIpAllowlist", ARRAY[]::TEXT[])
  FROM "ApiKey" k
  JOIN "Workspace" w ON w.id = k."workspaceId" AND w."deletedAt" IS NULL
  LEFT JOIN "Organization" o ON o.id = w."organizationId"
  LEFT JOIN "Membership" m ON m."workspaceId" = k."workspaceId" AND m."userId" = k."createdById"
  WHERE k."keyHash" = ANY (p_hashes);
END
$$;
