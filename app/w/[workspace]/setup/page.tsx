import type { Metadata } from "next";
import { SetupWizard } from "@/components/setup/setup-wizard";

export const metadata: Metadata = { title: "Set up" };

export default function SetupPage() {
  return <SetupWizard />;
}
