-- When each call of a model's rolling window was observed (epoch milliseconds, same positions as the other samples),
-- so that routing's failure rate and latency decay with the age of each call, not only with the calls made since.
-- The samples already stored are dated now: they fade from here on, as if just observed.
ALTER TABLE "Model" ADD COLUMN "observedAtSamples" DOUBLE PRECISION[] NOT NULL DEFAULT '{}';
UPDATE "Model" SET "observedAtSamples" = array_fill((EXTRACT(EPOCH FROM now()) * 1000)::float8, ARRAY[cardinality("outcomeSamples")])
  WHERE cardinality("outcomeSamples") > 0;
