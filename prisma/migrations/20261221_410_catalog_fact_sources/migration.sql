-- The dated catalog (issue 11): besides prices and quality, a catalog model keeps where its context window and
-- capabilities ("specs") and its deprecation and retirement dates ("lifecycle") come from, with a date and what the
-- date means ('as_of': checked against the source that day; 'recorded_on': written into Cadre's catalog that day).
-- Copied from server/models/known-models.ts when a known model is added; null for models added before (not known)
-- and for figures set by hand.
ALTER TABLE "Model" ADD COLUMN "specsSource" TEXT;
ALTER TABLE "Model" ADD COLUMN "specsAsOf" DATE;
ALTER TABLE "Model" ADD COLUMN "specsDateKind" TEXT;
ALTER TABLE "Model" ADD COLUMN "lifecycleSource" TEXT;
ALTER TABLE "Model" ADD COLUMN "lifecycleAsOf" DATE;
ALTER TABLE "Model" ADD COLUMN "lifecycleDateKind" TEXT;
ALTER TABLE "Model" ADD CONSTRAINT "Model_specsDateKind_check" CHECK ("specsDateKind" IN ('as_of', 'recorded_on'));
ALTER TABLE "Model" ADD CONSTRAINT "Model_lifecycleDateKind_check" CHECK ("lifecycleDateKind" IN ('as_of', 'recorded_on'));
