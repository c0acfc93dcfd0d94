import Link from "next/link";
import { CheckCircle2Icon, CircleIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { checklistSteps } from "@/lib/overview";
import type { WorkspaceOverviewOut } from "@/lib/schemas/overview";

/** The first things to do, ticked from what exists; the page hides it once all are done. */
export function GettingStarted({ checklist }: { checklist: WorkspaceOverviewOut["checklist"] }) {
  const { slug, can } = useWorkspace();
  const steps = checklistSteps(checklist);
  const done = steps.filter((s) => s.done).length;
  return (
    <Card data-testid="getting-started">
      <CardHeader>
        <CardTitle>Getting started</CardTitle>
        <CardDescription>
          {done} of {steps.length} done. This list goes away once everything on it is.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <ol className="grid gap-3">
          {steps.map((step) => (
            <li
              key={step.item}
              className="flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between"
              data-testid={`checklist-${step.item}`}
              data-done={step.done}
            >
              <div className="flex items-start gap-3">
                {step.done ? (
                  <CheckCircle2Icon className="mt-0.5 size-5 shrink-0 text-success" aria-label="Done" />
                ) : (
                  <CircleIcon className="mt-0.5 size-5 shrink-0 text-muted-foreground" aria-label="To do" />
                )}
                <div className="grid gap-0.5">
                  <span className={step.done ? "font-medium text-muted-foreground line-through" : "font-medium"}>{step.title}</span>
                  {step.done ? null : <span className="text-sm text-muted-foreground">{step.text}</span>}
                </div>
              </div>
              {step.done ? null : can(step.requires) ? (
                <Button asChild size="sm" variant="outline" className="self-start sm:self-center">
                  <Link href={`/w/${slug}${step.path}`}>{step.action}</Link>
                </Button>
              ) : (
                <span className="text-sm text-muted-foreground">Your role cannot do this; ask an admin.</span>
              )}
            </li>
          ))}
        </ol>
      </CardContent>
    </Card>
  );
}
