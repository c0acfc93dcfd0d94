"use client";

import Link from "next/link";
import { NoAccess } from "@/components/ui/loading";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { ModelForm } from "./model-form";
import { ModelsTable } from "./models-table";
import { RouteTester } from "@/components/routing/route-tester";

export function ModelsPage() {
  const { can, slug } = useWorkspace();
  return (
    <div className="page">
      <div className="page-header">
        <h1>Models</h1>
        {can("models:read") ? (
          <Link href={`/w/${slug}/routing`} className="btn btn-secondary btn-sm" data-testid="models-routing-link">
            Routing presets →
          </Link>
        ) : null}
      </div>
      {can("models:manage") ? <ModelForm /> : null}
      {can("models:read") ? <ModelsTable /> : <NoAccess>Your role cannot see the model catalog of this workspace.</NoAccess>}
      {can("models:read") ? <RouteTester /> : null}
    </div>
  );
}
