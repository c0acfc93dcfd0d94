"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { SettingsNav } from "@/components/settings/settings-nav";
import { PiiSettings } from "./pii-settings";

/** Settings > PII & secrets: the workspace's redaction policy and a box to try it (docs/pii.md). */
export function PiiSettingsPage() {
  const trpc = useTRPC();
  const settings = useQuery(trpc.pii.get.queryOptions());
  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
      </div>
      <SettingsNav />
      {settings.data ? (
        <PiiSettings settings={settings.data} />
      ) : (
        <Card title="PII & secrets">{settings.error ? <FormError message={errorMessage(settings.error)} /> : <Loading />}</Card>
      )}
    </div>
  );
}
