-- More provider kinds (Azure OpenAI, Amazon Bedrock, Google Gemini API, Google Vertex AI, Mistral), each with its
-- non-secret connection settings (api-version, region, project, location) in "Provider"."settings".
-- The catalog is dated: where a model's prices, context window and capabilities come from and as of when, its
-- deprecation and retirement dates, whether it is a reasoning model, and where its quality score comes from.
-- "qualityObserved" is the hook for a quality measured from graded answers later: nothing writes it yet.
ALTER TYPE "ProviderKind" ADD VALUE IF NOT EXISTS 'azure';
ALTER TYPE "ProviderKind" ADD VALUE IF NOT EXISTS 'bedrock';
ALTER TYPE "ProviderKind" ADD VALUE IF NOT EXISTS 'google';
ALTER TYPE "ProviderKind" ADD VALUE IF NOT EXISTS 'vertex';
ALTER TYPE "ProviderKind" ADD VALUE IF NOT EXISTS 'mistral';
ALTER TABLE "Provider" ADD COLUMN "settings" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "Model" ADD COLUMN "reasoning" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Model" ADD COLUMN "priceSource" TEXT;
ALTER TABLE "Model" ADD COLUMN "priceAsOf" DATE;
ALTER TABLE "Model" ADD COLUMN "deprecatedAt" DATE;
ALTER TABLE "Model" ADD COLUMN "retiredAt" DATE;
ALTER TABLE "Model" ADD COLUMN "qualitySource" TEXT;
ALTER TABLE "Model" ADD COLUMN "qualityAsOf" DATE;
ALTER TABLE "Model" ADD COLUMN "qualityObserved" DOUBLE PRECISION;
-- Models already in catalogs: the reasoning flag and the announced retirements of the models Cadre knows (matched on
-- the model id, its dated or tagged variants and a gateway's "vendor/model" form), and the simulator's notional figures.
UPDATE "Model" SET "reasoning" = true
  WHERE "providerId" IN (SELECT "id" FROM "Provider" WHERE "kind" IN ('openai', 'openai_compatible'))
    AND "modelId" ~* '^([a-z-]+/)?(o3|o3-mini|o4-mini|gpt-5|gpt-5-mini|gpt-5-nano|deepseek-r1)([-:@._].*)?$';
UPDATE "Model" SET "deprecatedAt" = DATE '2025-08-13', "retiredAt" = DATE '2025-10-22'
  WHERE "providerId" IN (SELECT "id" FROM "Provider" WHERE "kind" IN ('anthropic', 'openai_compatible'))
    AND "modelId" ~* '^([a-z-]+/)?claude-3-5-sonnet-(20241022|latest)$';
UPDATE "Model" SET "deprecatedAt" = DATE '2025-10-28', "retiredAt" = DATE '2026-02-19'
  WHERE "providerId" IN (SELECT "id" FROM "Provider" WHERE "kind" IN ('anthropic', 'openai_compatible'))
    AND "modelId" ~* '^([a-z-]+/)?claude-(3-7-sonnet|3-5-haiku)-(\d{8}|latest)$';
UPDATE "Model" SET "qualitySource" = 'Cadre simulator: notional', "qualityAsOf" = DATE '2025-11-21',
    "priceSource" = 'Cadre simulator: notional prices, nothing is billed', "priceAsOf" = DATE '2025-11-21'
  WHERE "providerId" IN (SELECT "id" FROM "Provider" WHERE "kind" = 'simulator') AND "modelId" IN ('sim-fast', 'sim-balanced', 'sim-capable');
