import { handlers } from "@/server/rest/define";
import { getBudgetRoute, updateBudgetRoute } from "@/server/rest/routes/usage";

export const { GET, PUT } = handlers(getBudgetRoute, updateBudgetRoute);
