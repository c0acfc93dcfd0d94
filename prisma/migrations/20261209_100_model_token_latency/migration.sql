-- Latency per output token and time to first token: besides each call's whole latency and outcome, the rolling window
-- keeps its time to first token (streamed calls; -1 where unknown) and its output tokens, at the same positions.
ALTER TABLE "Model" ADD COLUMN "ttftSamples" INTEGER[] NOT NULL DEFAULT '{}';
ALTER TABLE "Model" ADD COLUMN "outputTokenSamples" INTEGER[] NOT NULL DEFAULT '{}';
