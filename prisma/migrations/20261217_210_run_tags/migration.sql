-- Task tags of a run (given at start): runs list by tag, and a model's observed quality is learnt per tag as well
ALTER TABLE "Run" ADD COLUMN "tags" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "Run" ADD CONSTRAINT "Run_tags_check" CHECK (cardinality("tags") <= 8);
