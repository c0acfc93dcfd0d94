"use client";

import { useState } from "react";
import type { PiiPolicy } from "@/lib/schemas/pii";
import { Card } from "@/components/ui/card";
import { PiiPolicyForm } from "./pii-policy-form";
import { PiiTryIt } from "./pii-try-it";

/** The policy's card and the try-it box, which tries the policy as it stands on the page (saved or not). */
export function PiiSettings({ settings }: { settings: { policy: PiiPolicy; isDefault: boolean } }) {
  const [draft, setDraft] = useState<PiiPolicy>(settings.policy);
  return (
    <>
      <Card
        title="PII & secrets"
        description={
          settings.isDefault
            ? "The default: secrets and tokens are redacted everywhere, personal data is kept until you choose."
            : "What this workspace's runs, memories and sessions do with personal data and secrets they find."
        }
        testId="pii-settings"
      >
        <PiiPolicyForm policy={settings.policy} onDraft={setDraft} />
      </Card>
      <PiiTryIt policy={draft} />
    </>
  );
}
