-- Rate limits per provider connection, shared by every run and process: optional requests- and tokens-per-minute
-- limits on the provider, and one row per provider with the current window's counts (taken with one atomic upsert
-- per model call) and the provider's "not before" time (set by a 429's Retry-After, respected by every caller).
ALTER TABLE "Provider" ADD COLUMN "rpmLimit" INTEGER;
ALTER TABLE "Provider" ADD COLUMN "tpmLimit" INTEGER;

CREATE TABLE "ProviderRateWindow" (
    "providerId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "tokens" INTEGER NOT NULL DEFAULT 0,
    "notBefore" TIMESTAMP(3),
    CONSTRAINT "ProviderRateWindow_pkey" PRIMARY KEY ("providerId")
);
CREATE INDEX "ProviderRateWindow_workspaceId_idx" ON "ProviderRateWindow"("workspaceId");
ALTER TABLE "ProviderRateWindow" ADD CONSTRAINT "ProviderRateWindow_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ProviderRateWindow" ADD CONSTRAINT "ProviderRateWindow_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "Provider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

GRANT SELECT, INSERT, UPDATE, DELETE ON "ProviderRateWindow" TO cadre_app, cadre_system;
ALTER TABLE "ProviderRateWindow" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ProviderRateWindow" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "ProviderRateWindow"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
