-- The ledger matches the invoice: a call's cached input tokens (read from the provider's prompt cache), the input
-- tokens written to that cache, and its reasoning tokens (part of the output tokens) are kept apart, and a model can
-- carry its own prices for cache reads and writes (NULL: the provider's usual ratio to the input price applies).
ALTER TABLE "UsageRecord" ADD COLUMN "cacheReadTokens" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "UsageRecord" ADD COLUMN "cacheWriteTokens" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "UsageRecord" ADD COLUMN "reasoningTokens" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Model" ADD COLUMN "cacheReadPrice" DECIMAL(14,6);
ALTER TABLE "Model" ADD COLUMN "cacheWritePrice" DECIMAL(14,6);
ALTER TABLE "Model" ADD CONSTRAINT "Model_cache_prices_check"
  CHECK (("cacheReadPrice" IS NULL OR "cacheReadPrice" >= 0) AND ("cacheWritePrice" IS NULL OR "cacheWritePrice" >= 0));
