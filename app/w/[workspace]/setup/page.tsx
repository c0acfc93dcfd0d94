import { SetupWizard } from "@/components/setup/setup-wizard";

export default function SetupPage() {
  return <SetupWizard />;
}
