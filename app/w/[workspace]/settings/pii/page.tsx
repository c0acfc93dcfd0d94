import type { Metadata } from "next";
import { PiiSettingsPage } from "@/components/pii/pii-settings-page";

export const metadata: Metadata = { title: "PII & secrets" };

export default function Page() {
  return <PiiSettingsPage />;
}
