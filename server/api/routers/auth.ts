import { signUpInputSchema } from "@/lib/schemas/auth";
import { authedProcedure, publicProcedure, router } from "../trpc";
import { signUp } from "@/server/users/service";

export const authRouter = router({
  signUp: publicProcedure.input(signUpInputSchema).mutation(({ input }) => signUp(input)),
  me: authedProcedure.query(({ ctx }) => ctx.user),
});
