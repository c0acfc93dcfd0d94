-- A model's own timeouts (seconds; NULL: the defaults of server/models/timeouts.ts): how long a stream may take to
-- begin, and the whole call's base before its allowance per output token. Reasoning models think before they write.
ALTER TABLE "Model" ADD COLUMN "firstByteTimeoutSeconds" INTEGER;
ALTER TABLE "Model" ADD COLUMN "callTimeoutBaseSeconds" INTEGER;
ALTER TABLE "Model" ADD CONSTRAINT "Model_firstByteTimeoutSeconds_check"
  CHECK ("firstByteTimeoutSeconds" IS NULL OR ("firstByteTimeoutSeconds" BETWEEN 1 AND 600));
ALTER TABLE "Model" ADD CONSTRAINT "Model_callTimeoutBaseSeconds_check"
  CHECK ("callTimeoutBaseSeconds" IS NULL OR ("callTimeoutBaseSeconds" BETWEEN 1 AND 600));
-- Models already in catalogs: the figures of the reasoning models Cadre knows (server/models/known-models.ts), matched on
-- the model id, its dated or tagged variants and a gateway's "vendor/model" form.
UPDATE "Model" SET "firstByteTimeoutSeconds" = 300, "callTimeoutBaseSeconds" = 300
  WHERE "providerId" IN (SELECT "id" FROM "Provider" WHERE "kind" IN ('openai', 'openai_compatible', 'azure'))
    AND "modelId" ~* '^([a-z-]+/)?(o3|gpt-5|deepseek-r1)([-:@._].*)?$'
    AND "modelId" !~* '^([a-z-]+/)?(o3-mini|gpt-5-mini|gpt-5-nano)([-:@._].*)?$';
UPDATE "Model" SET "firstByteTimeoutSeconds" = 120, "callTimeoutBaseSeconds" = 180
  WHERE "providerId" IN (SELECT "id" FROM "Provider" WHERE "kind" IN ('openai', 'openai_compatible', 'azure'))
    AND "modelId" ~* '^([a-z-]+/)?(o3-mini|o4-mini|gpt-5-mini|gpt-5-nano)([-:@._].*)?$';
UPDATE "Model" SET "firstByteTimeoutSeconds" = 300, "callTimeoutBaseSeconds" = 300
  WHERE "providerId" IN (SELECT "id" FROM "Provider" WHERE "kind" IN ('google', 'vertex'))
    AND "modelId" ~* '^gemini-2\.5-pro([-:@._].*)?$';
UPDATE "Model" SET "firstByteTimeoutSeconds" = 120, "callTimeoutBaseSeconds" = 180
  WHERE "providerId" IN (SELECT "id" FROM "Provider" WHERE "kind" IN ('google', 'vertex'))
    AND "modelId" ~* '^gemini-2\.5-flash([-:@._].*)?$' AND "modelId" !~* '^gemini-2\.5-flash-lite';
UPDATE "Model" SET "firstByteTimeoutSeconds" = 300, "callTimeoutBaseSeconds" = 300
  WHERE "providerId" IN (SELECT "id" FROM "Provider" WHERE "kind" = 'mistral')
    AND "modelId" ~* '^magistral-medium-(latest|\d{4})$';
