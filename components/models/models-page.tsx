"use client";

import { LockIcon } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { RouteTester } from "@/components/routing/route-tester";
import { CreateDialog } from "@/components/ui/create-dialog";
import { ModelForm } from "./model-form";
import { ModelsTable } from "./models-table";

export function ModelsPage() {
  const { can, slug } = useWorkspace();
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Models"
        description="Prices are USD per million tokens. Latency and error figures are observed from the last 100 real calls of each model."
        actions={
          <>
            {can("models:read") ? (
              <Button variant="outline" asChild>
                <Link href={`/w/${slug}/routing`} data-testid="models-routing-link">
                  Routing presets →
                </Link>
              </Button>
            ) : null}
            {can("models:manage") ? (
              <CreateDialog
                label="New model"
                title="Add a model"
                description="Well-known models are prefilled with list prices, context window, capabilities and a quality estimate; edit anything."
                testId="model-new"
              >
                {(close) => <ModelForm onDone={close} />}
              </CreateDialog>
            ) : null}
          </>
        }
      />
      {can("models:read") ? (
        <ModelsTable />
      ) : (
        <EmptyState icon={LockIcon} title="No access" text="Your role cannot see the model catalog of this workspace." testId="models-no-access" />
      )}
      {can("models:read") ? <RouteTester /> : null}
    </div>
  );
}
