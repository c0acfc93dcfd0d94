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
