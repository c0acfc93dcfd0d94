import { Badge } from "@/components/ui/badge";
import type { RunOutcome } from "@/lib/schemas/run-outcome";
import { outcomeLabel } from "./outcome";

/** The outcome of a run (or of a nested team's node): "approved after 2 iterations", "no consensus after 3 rounds"… */
export function OutcomeBadge({ outcome, testId = "run-outcome" }: { outcome: RunOutcome | null | undefined; testId?: string }) {
  const label = outcomeLabel(outcome);
  if (!label) return null;
  return (
    <span title={label.hint} data-met={outcome?.met ? "true" : "false"} data-testid={testId}>
      <Badge tone={label.tone}>{label.text}</Badge>
    </span>
  );
}
